// Salon: the search page with JavaScript asks the static Pagefind index in the browser.
// Loaded on the search page only. Without JavaScript the same form goes to the comment
// service's /search, which answers from the site's full-text index.
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.querySelector(".search-page .search-form");
  var results = document.getElementById("search-results");
  if (!form || !results || !script) return;
  var bundle = script.getAttribute("data-bundle");
  var base = script.getAttribute("data-base") || "/";
  var input = form.elements.q;
  var engine = null;

  function load() {
    if (!engine) {
      // The bundle is made of parts (one index a year, and the pages'): its top is the
      // first, parts.json lists the others, merged into it.
      engine = import(bundle + "pagefind.js").then(function (pagefind) {
        return pagefind.options({ baseUrl: base }).then(function () {
          return fetch(bundle + "parts.json").then(function (answer) {
            return answer.ok ? answer.json() : { merge: [] };
          }).catch(function () { return { merge: [] }; });
        }).then(function (parts) {
          return Promise.all((parts.merge || []).map(function (part) {
            return pagefind.mergeIndex(bundle + part, { baseUrl: base });
          }));
        }).then(function () { return pagefind; });
      });
    }
    return engine;
  }

  // Pagefind's excerpt marks matches with <mark>; only text and those marks are kept.
  function excerpt(html) {
    var p = document.createElement("p");
    var doc = new DOMParser().parseFromString(html, "text/html");
    doc.body.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        p.appendChild(mark);
      } else {
        p.appendChild(document.createTextNode(node.textContent));
      }
    });
    return p;
  }

  function show(query, found) {
    results.textContent = "";
    var summary = document.createElement("p");
    summary.className = "search-summary";
    var n = found.length;
    summary.textContent = n === 0 ? "Nothing found for “" + query + "”." :
      (n === 1 ? "One essay or page matches “" : n + " essays and pages match “") + query + "”.";
    results.appendChild(summary);
    if (!n) return;
    var list = document.createElement("ol");
    list.className = "search-hits";
    found.forEach(function (hit) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = hit.url;
      link.textContent = (hit.meta && hit.meta.title) || hit.url;
      item.appendChild(link);
      if (hit.meta && hit.meta.date) {
        var time = document.createElement("time");
        time.dateTime = hit.meta.date;
        time.textContent = " " + hit.meta.date;
        item.appendChild(time);
      }
      item.appendChild(excerpt(hit.excerpt || ""));
      list.appendChild(item);
    });
    results.appendChild(list);
  }

  function run(query) {
    query = query.trim();
    if (!query) { results.textContent = ""; return; }
    load().then(function (pagefind) {
      return pagefind.search(query);
    }).then(function (search) {
      return Promise.all(search.results.slice(0, 20).map(function (r) { return r.data(); }));
    }).then(function (found) {
      if (input.value.trim() === query) show(query, found);
    }).catch(function () {
      // No static index here (not built yet, or blocked): ask the comment service instead.
      form.submit();
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var url = new URL(window.location.href);
    url.searchParams.set("q", input.value);
    history.replaceState(null, "", url);
    run(input.value);
  });
  var initial = new URL(window.location.href).searchParams.get("q");
  if (initial) { input.value = initial; run(initial); }
})();
