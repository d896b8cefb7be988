import { ChannelIcon } from './channel-icon.tsx';

/** The legend of an application's matrix: how an override looks, and how an inherited cell does. */
export function MatrixLegend({ overrides }: { overrides: number }) {
  return (
    <section class="legend" aria-label="Legend">
      <ul>
        <li>
          <span class="cell cell-off source-application overrides" aria-hidden="true">
            <ChannelIcon channel="email" />
            <span class="badge">override</span>
          </span>
          <span>
            <strong>Override</strong>: set for this application; it wins over the account setting for this application's
            events. “use account” under it goes back to the account setting.
          </span>
        </li>
        <li>
          <span class="cell cell-on source-account" aria-hidden="true">
            <ChannelIcon channel="email" />
            <span class="badge">account</span>
          </span>
          <span>
            <strong>Inherited from the account</strong>: follows what is chosen on the account notifications page.
          </span>
        </li>
        <li>
          <span class="cell cell-on source-default" aria-hidden="true">
            <ChannelIcon channel="email" />
            <span class="badge">default</span>
          </span>
          <span>
            <strong>Inherited default</strong>: nobody chose, here or on the account; Clarion's default applies.
          </span>
        </li>
      </ul>
      <p class="override-count" data-overrides={overrides}>
        {overrides === 0
          ? 'No setting overrides the account here: every cell is inherited.'
          : `${overrides} ${overrides === 1 ? 'setting overrides' : 'settings override'} the account here.`}
      </p>
    </section>
  );
}
