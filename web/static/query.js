// Query page: Ctrl+Enter runs the query; a query too long for a URL is POSTed.
(function () {
  var form = document.getElementById("query-form");
  var editor = document.getElementById("query");
  if (!form || !editor) return;
  editor.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }
  });
  form.addEventListener("submit", function () {
    var size = encodeURIComponent(editor.value).length;
    form.method = size > 6000 ? "post" : "get";
  });
})();
