// The query page: YASGUI (served from /static/vendor, no network access needed) wired to this
// service's /sparql endpoint, with the dataset's prefixes and one-click example queries.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("cpkg-config").textContent);
  var buttons = document.querySelectorAll("button.example");
  var el = document.getElementById("yasgui");
  var yasgui = null;

  if (el && window.Yasgui) {
    var Yasqe = window.Yasgui.Yasqe;
    // Only local completers: class/property completion would call lov.linkeddata.es.
    Yasqe.defaults.autocompleters = ["prefixes", "variables"];
    Yasqe.defaults.prefixCcApi = null;
    Yasqe.defaults.value = config.defaultQuery;
    yasgui = new window.Yasgui(el, {
      requestConfig: { endpoint: config.endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      persistenceId: null,
      populateFromUrl: false,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: config.endpoint }]; } },
      yasqe: { value: config.defaultQuery, prefixCcApi: null },
      yasr: { prefixes: config.prefixes }
    });
    window.cpkgYasgui = yasgui;
  }

  function load(index, run) {
    var example = config.examples[index];
    if (!example) return;
    buttons.forEach(function (b) { b.classList.toggle("active", Number(b.dataset.index) === index); });
    if (yasgui) {
      var tab = yasgui.getTab();
      tab.setQuery(example.text);
      if (run) tab.query();
    } else {
      var area = document.getElementById("plain-query");
      if (area) area.value = example.text;
    }
  }

  buttons.forEach(function (b) {
    b.addEventListener("click", function () { load(Number(b.dataset.index), true); });
  });
})();
