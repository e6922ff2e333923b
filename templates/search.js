// The search page: asks Pagefind (the index in pagefind/, made by the build) and lists each result's title,
// category, date and snippet. Pagefind loads its index with fetch and WebAssembly, which browsers refuse to
// pages opened from disk: there, the page says so instead of failing silently.
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.querySelector(".search-form");
  var input = document.getElementById("search-query");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var SHOWN = 30;
  var CONSIDERED = 200;  // results read (one small fragment file each) to find the exact ones
  var asked = 0;
  var pagefind = null;

  if (location.protocol === "file:") {
    var offline = document.getElementById("search-offline");
    form.parentNode.insertBefore(offline.content.cloneNode(true), form.nextSibling);
    input.disabled = true;
    form.querySelector("button").disabled = true;
    return;
  }

  function load() {
    if (pagefind === null) {
      pagefind = import(new URL(script.dataset.index, document.baseURI).href).then(function (module) {
        return module.options({ excerptLength: 40 }).then(function () { return module; });
      });
    }
    return pagefind;
  }

  // Pagefind's excerpt is HTML whose only markup is <mark>: rebuilt from text nodes, so nothing else gets in.
  function pagefindSnippet(excerpt) {
    var holder = document.createElement("template");
    holder.innerHTML = excerpt;
    return Array.prototype.map.call(holder.content.childNodes, function (node) {
      return [node.textContent, node.nodeName === "MARK"];
    });
  }

  // Around the first place the page holds the words typed, every one of them marked: past the title and the
  // metadata (which end near the date) when the text holds them there too.
  function ownSnippet(text, words, date) {
    var after = date ? Math.max(0, text.indexOf(date)) : 0;
    var at = function (w) { var i = text.indexOf(w, after); return i >= 0 ? i : text.indexOf(w); };
    var first = Math.min.apply(null, words.map(at).filter(function (i) { return i >= 0; }));
    var start = Math.max(0, first - 12);
    var part = (start > 0 ? "…" : "") + text.slice(start, start + 90) + (start + 90 < text.length ? "…" : "");
    var pieces = [[part, false]];
    words.forEach(function (word) {
      pieces = pieces.flatMap(function (piece) {
        if (piece[1]) return [piece];
        return piece[0].split(word).flatMap(function (plain, i) { return i ? [[word, true], [plain, false]] : [[plain, false]]; });
      });
    });
    return pieces;
  }

  function entry(found) {
    var data = found.data;
    var li = document.createElement("li");
    var link = document.createElement("a");
    link.className = "result-title";
    link.href = data.url;
    link.textContent = data.meta.title || data.url;
    li.appendChild(link);
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = [data.meta.category, data.meta.date].filter(Boolean).join(" · ");
    li.appendChild(meta);
    var paragraph = document.createElement("p");
    paragraph.className = "snippet";
    found.snippet.forEach(function (piece) {
      if (!piece[0]) return;
      var node = piece[1] ? document.createElement("mark") : document.createTextNode(piece[0]);
      if (piece[1]) node.textContent = piece[0];
      paragraph.appendChild(node);
    });
    li.appendChild(paragraph);
    return li;
  }

  // Pagefind cuts the page text into words with a dictionary when indexing, the browser cuts the query with
  // its own: 党费 may become 党 + 费 and find every page with a word starting with 党. So pages holding the
  // words exactly as typed come first, and alone when there are any; otherwise Pagefind's nearest results.
  function rank(results, query) {
    var words = query.split(/\s+/).filter(Boolean);
    var exact = [], near = [];
    results.forEach(function (data) {
      var text = (data.content || "").replace(/\u200b/g, "");
      var title = data.meta.title || "";
      if (words.every(function (w) { return text.indexOf(w) >= 0 || title.indexOf(w) >= 0; })) {
        exact.push({ data: data, snippet: ownSnippet(text || title, words, data.meta.date) });
      } else {
        near.push({ data: data, snippet: pagefindSnippet(data.excerpt) });
      }
    });
    return exact.length ? { shown: exact, exact: true } : { shown: near, exact: false };
  }

  function search(query) {
    var mine = ++asked, more = false;
    query = query.trim();
    if (!query) {
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    status.textContent = "正在搜索……";
    delete status.dataset.done;
    load().then(function (module) {
      return module.search(query);
    }).then(function (found) {
      more = found.results.length > CONSIDERED;
      return Promise.all(found.results.slice(0, CONSIDERED).map(function (r) { return r.data(); }));
    }).then(function (results) {
      if (mine !== asked) return;  // a newer query was typed meanwhile
      var ranked = rank(results, query);
      list.replaceChildren.apply(list, ranked.shown.slice(0, SHOWN).map(entry));
      var total = ranked.shown.length;
      status.textContent = total === 0 ? "没有找到含“" + query + "”的事项。请换一个词，或少输入几个字。"
        : (ranked.exact ? "找到 " + total + (more ? " 多" : " ") + "个含“" + query + "”的事项" : "没有完全相同的词，下面是相近的事项")
          + (total > SHOWN ? "，列出最相关的 " + SHOWN + " 个。再加一个词可以缩小范围。" : "。");
      status.dataset.done = query;
    }).catch(function () {
      if (mine !== asked) return;
      status.textContent = "搜索暂时无法使用（没能加载搜索索引）。请稍后再试，或从首页按类别查找。";
      status.dataset.done = query;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var url = new URL(location.href);
    url.searchParams.set("q", input.value.trim());
    history.replaceState(null, "", url);
    search(input.value);
  });
  var typing = null;
  input.addEventListener("input", function () {
    clearTimeout(typing);
    typing = setTimeout(function () { search(input.value); }, 250);
  });
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) {
    input.value = initial;
    search(initial);
  }
})();
