/**
 * The dashboard's only script, served as /ui/assets/app.js (script-src 'self', no inline code).
 * Progressive enhancement: every form works without it; with it, choosing a chart, range,
 * environment or filter applies at once instead of after pressing the button.
 */
export const APP_JS = `'use strict';
document.addEventListener('change', function (event) {
  var target = event.target;
  if (!(target instanceof HTMLSelectElement || target instanceof HTMLInputElement) || !target.hasAttribute('data-autosubmit')) return;
  var form = target.form;
  if (form) form.requestSubmit();
});
`;

/** The favicon, so browsers do not ask for a missing /favicon.ico. */
export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1a56b0"/><path d="M9 16.5l4.5 4.5L23 11.5" fill="none" stroke="#fff" stroke-width="3.4" stroke-linecap="round" stroke-linejoin="round"/></svg>`;
