// Query page. Without this script (or without the editor bundle) the page is a
// plain form. With it: the SPARQL editor (YASQE, served from /static/vendor)
// with highlighting, syntax checks and completion of prefixes, of the
// ontology's classes and properties and of resources by label, all from
// /-/completions.json; Ctrl+Enter runs the query; a query too long for a URL
// is POSTed.
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  var area = document.getElementById("query");
  if (!form || !area) return;

  function submit() {
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }
  var editor = null;
  form.addEventListener("submit", function () {
    if (editor) area.value = editor.getValue();
    var size = encodeURIComponent(area.value).length;
    form.method = size > 6000 ? "post" : "get";
  });
  // Ctrl+Enter runs the query wherever the focus is (as on the Wikidata Query
  // Service), unless the editor has already handled it.
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.defaultPrevented) {
      e.preventDefault(); submit();
    }
  });
  if (!window.Yasqe) return;

  var Yasqe = window.Yasqe;
  var prefixes = JSON.parse(form.getAttribute("data-prefixes") || "{}");
  var completionsUrl = form.getAttribute("data-completions");
  var vocabulary = null;  // {classes: [...], properties: [...]}, fetched once
  function loadVocabulary() {
    if (!vocabulary) {
      vocabulary = fetch(completionsUrl, {headers: {Accept: "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {classes: [], properties: []}; })
        .catch(function () { return {classes: [], properties: []}; });
    }
    return vocabulary;
  }

  // The endpoint predeclares these prefixes, so the editor's syntax check
  // knows them too (a query may still declare its own).
  var sparqlMode = Yasqe.modes && Yasqe.modes.sparql11;
  if (sparqlMode) {
    Yasqe.defineMode("sparql11", function (config, parserConfig) {
      var mode = sparqlMode(config, parserConfig);
      var start = mode.startState;
      mode.startState = function () {
        var state = start.apply(this, arguments);
        for (var p in prefixes) if (state.prefixes[p] === undefined) state.prefixes[p] = prefixes[p];
        return state;
      };
      return mode;
    });
  }

  // Terms are completed as written (ia:Pro -> ia:Programme), whatever the
  // query declares, from the atlas's own vocabulary.
  function token(yasqe) { return yasqe.getCompleteToken(); }
  function matching(list, text) {
    text = (text || "").toLowerCase();
    return list.filter(function (t) { return t.toLowerCase().indexOf(text) === 0; }).slice(0, 100);
  }
  function termCompleter(name, key, base) {
    var original = Yasqe.Autocompleters[base];
    return {
      name: name,
      bulk: false,
      autoShow: true,
      isValidCompletionPosition: original.isValidCompletionPosition,
      preProcessToken: function (yasqe, t) { return t; },
      postProcessSuggestion: function (yasqe, t, s) { return s; },
      get: function (yasqe, t) {
        var text = t && t.string ? t.string.trim() : "";
        if (!text || text.indexOf(":") < 0 || text.charAt(0) === "<") return Promise.resolve([]);
        return loadVocabulary().then(function (v) { return matching(v[key] || [], text); });
      }
    };
  }
  Yasqe.registerAutocompleter(termCompleter("atlas-class", "classes", "class"), false);
  Yasqe.registerAutocompleter(termCompleter("atlas-property", "properties", "property"), false);
  // Resources by label: type "@" and part of a name in an object position
  // (for example ?site ia:careModel @pacs) and pick one.
  var labels = {};
  Yasqe.registerAutocompleter({
    name: "atlas-resource",
    bulk: false,
    autoShow: true,
    isValidCompletionPosition: function (yasqe) {
      var t = token(yasqe);
      return !!(t && t.string && t.string.charAt(0) === "@" && t.string.length > 2);
    },
    preProcessToken: function (yasqe, t) { return t; },
    postProcessSuggestion: function (yasqe, t, s) { return s; },
    get: function (yasqe, t) {
      var text = t.string.slice(1);
      return fetch(completionsUrl + "?q=" + encodeURIComponent(text), {headers: {Accept: "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {resources: []}; })
        .then(function (d) {
          return (d.resources || []).map(function (r) { labels[r.text] = r.label; return r.text; });
        })
        .catch(function () { return []; });
    },
    postprocessHints: function (yasqe, hints) {
      hints.forEach(function (h) { if (labels[h.text]) h.displayText = labels[h.text] + "  " + h.text; });
      return hints;
    }
  }, false);
  Yasqe.registerAutocompleter({
    name: "atlas-prefixes",
    bulk: true,
    autoShow: true,
    persistenceId: null,
    isValidCompletionPosition: Yasqe.Autocompleters.prefixes.isValidCompletionPosition,
    preProcessToken: Yasqe.Autocompleters.prefixes.preProcessToken,
    get: Object.keys(prefixes).sort().map(function (p) { return p + ": <" + prefixes[p] + ">"; })
  }, false);

  var parent = document.createElement("div");
  parent.className = "editor";
  area.parentNode.insertBefore(parent, area);
  area.hidden = true;
  area.removeAttribute("required");
  var run = function () { submit(); };
  // Set on the defaults, which the editor merges element by element: no
  // completer that asks other sites (LOV, prefix.cc), no saved query that
  // would replace the one in the address, no running by the editor itself.
  var d = Yasqe.defaults;
  d.autocompleters = ["variables", "atlas-prefixes", "atlas-class", "atlas-property", "atlas-resource"];
  d.persistenceId = null;
  d.consumeShareLink = null;
  d.createShareableLink = null;
  d.showQueryButton = false;
  d.prefixCcApi = null;
  d.extraKeys["Ctrl-Enter"] = run;
  d.extraKeys["Cmd-Enter"] = run;
  editor = new Yasqe(parent, {value: area.value, resizeable: true, editorHeight: "320px"});
  parent.setAttribute("data-ready", "true");
  // Predeclared prefixes need no PREFIX line: the editor must not flag them.
  editor.checkSyntax();
})();
