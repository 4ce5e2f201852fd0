// The query page of msp-graph serve: when the browser runs scripts, YASGUI (yasgui.min.js, vendored) takes
// the place of the <textarea> form, sending its queries to this server's /sparql and nowhere else. Without
// scripts the form stays (docs/serve.md, "Queries"). msp-graph's own code, MIT.
(function () {
  "use strict";
  var holder = document.getElementById("yasgui");
  var form = document.getElementById("sparql-form");
  var Yasgui = window.Yasgui && (window.Yasgui.default || window.Yasgui);
  if (!holder || !form || typeof Yasgui !== "function") return;
  // The completers of terms look them up at Linked Open Vocabularies: keep those that work offline (the
  // query's variables; prefixes from the bundled list). The defaults are changed, since YASGUI merges a
  // shorter list given in its configuration into the default one, item by item.
  Yasgui.Yasqe.defaults.autocompleters = ["variables", "prefixes"];
  var editor = new Yasgui(holder, {
    requestConfig: { endpoint: holder.dataset.endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: function () { return []; } }, // no other endpoints offered
    copyEndpointOnNewTab: false,
    populateFromUrl: false, // an address cannot send the queries elsewhere (&endpoint=...)
    persistenceId: null, // nothing kept in localStorage: each visit starts afresh
    autofocus: false,
    corsProxy: undefined,
    yasqe: {
      value: holder.dataset.query,
      prefixCcApi: null, // the bundled prefixes, not prefix.cc's
      createShortLink: undefined,
      persistenceId: null,
      collapsePrefixesOnLoad: true,
      editorHeight: "320px",
    },
    yasr: { persistenceId: null, prefixes: JSON.parse(holder.dataset.prefixes || "{}") },
  });
  form.hidden = true;
  holder.hidden = false;
  window.mspQueryEditor = editor; // for the browser tests and the console
})();
