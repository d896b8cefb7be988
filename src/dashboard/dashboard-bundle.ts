import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** One file of the built dashboard, held in memory and served as is. */
export interface DashboardAsset {
  readonly body: Buffer;
  readonly contentType: string;
  /** Content-hashed names never change meaning: the browser may keep them for good. */
  readonly immutable: boolean;
}

export interface DashboardBundle {
  /** By URL path: `/assets/main-<hash>.js`, `/assets/main-<hash>.css`, `/sw.js`. */
  readonly assets: ReadonlyMap<string, DashboardAsset>;
  /** The page every dashboard URL answers with; the script routes on the client. */
  readonly indexHtml: string;
}

const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

let built: Promise<DashboardBundle> | undefined;

/**
 * Builds the dashboard (web/) with esbuild when the first API process of this Node process
 * starts, in memory: `npm ci && npm start` is all it takes, and a build takes a fraction of a
 * second. Later calls share the first build.
 */
export function dashboardBundle(): Promise<DashboardBundle> {
  built ??= buildBundle();
  return built;
}

async function buildBundle(): Promise<DashboardBundle> {
  const common = {
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    legalComments: 'none',
    logLevel: 'silent',
    absWorkingDir: WEB_ROOT,
  } as const;
  const [app, worker] = await Promise.all([
    build({
      ...common,
      entryPoints: { main: 'src/main.tsx' },
      outdir: 'assets',
      entryNames: '[name]-[hash]',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      loader: { '.svg': 'text' },
    }),
    // The service worker keeps one name: browsers look for updates at the URL they registered.
    build({ ...common, entryPoints: { sw: 'src/service-worker.ts' }, outdir: '.', format: 'iife' }),
  ]);
  const assets = new Map<string, DashboardAsset>();
  for (const file of [...app.outputFiles, ...worker.outputFiles]) {
    const urlPath = `/${path.relative(WEB_ROOT, file.path).split(path.sep).join('/')}`;
    assets.set(urlPath, {
      body: Buffer.from(file.contents),
      contentType: CONTENT_TYPES[path.extname(file.path)] ?? 'application/octet-stream',
      immutable: urlPath.startsWith('/assets/'),
    });
  }
  const find = (extension: string) =>
    [...assets.keys()].find((p) => p.startsWith('/assets/main-') && p.endsWith(extension));
  return { assets, indexHtml: indexPage(find('.js')!, find('.css')) };
}

function indexPage(script: string, stylesheet: string | undefined): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Clarion</title>
${stylesheet === undefined ? '' : `<link rel="stylesheet" href="${stylesheet}">`}
<script type="module" src="${script}"></script>
</head>
<body><div id="app"></div><noscript>The Clarion dashboard needs JavaScript.</noscript></body>
</html>
`;
}
