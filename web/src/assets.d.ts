// Stylesheets are bundled by esbuild (src/dashboard/dashboard-bundle.ts); importing one only pulls it in.
declare module '*.css';
