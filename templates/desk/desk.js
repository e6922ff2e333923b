// 编辑台: the list's filters, and the item form: checked by the real parser on every change, saved only
// without errors. Everything the clerk reads is Chinese; nothing is loaded from outside this server.
(function () {
  "use strict";
  var token = document.querySelector('meta[name="desk-token"]').content;

  function post(url, body, type) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "Content-Type": type || "application/json", "X-Desk-Token": token }
    }).then(function (response) {
      return response.json().then(function (data) { data.status = response.status; return data; },
        function () { return { status: response.status, refused: "服务器没有正常回答（" + response.status + "）。" }; });
    }, function () { return { status: 0, refused: "连不上编辑台：serve 是否还在运行？" }; });
  }

  // --- the list ---------------------------------------------------------------------------------------
  var filters = document.getElementById("filters");
  if (filters) {
    var apply = function () {
      var f = filters.elements, q = f.q.value.trim(), shown = 0;
      document.querySelectorAll("#items tbody tr").forEach(function (row) {
        var ok = (!f.category.value || row.dataset.category === f.category.value) &&
          (!f.scope.value || row.dataset.scope === f.scope.value) &&
          (!f.state.value || row.dataset.state === f.state.value) &&
          (!q || row.dataset.search.indexOf(q) >= 0);
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      document.getElementById("shown").textContent = "显示 " + shown + " 项";
    };
    filters.addEventListener("input", apply);
    filters.addEventListener("submit", function (event) { event.preventDefault(); });  // Enter filters, never reloads
    apply();
  }

  // --- commit ------------------------------------------------------------------------------------------
  var commitForm = document.getElementById("commit-form");
  if (commitForm) {
    commitForm.addEventListener("submit", function (event) {
      event.preventDefault();  // never the browser's own GET submit: the desk's page allows no inline handler
      var name = document.getElementById("commit-name");
      if (name) localStorage.setItem("desk-name", name.value);
      post("/desk/api/commit", JSON.stringify({
        message: document.getElementById("commit-message").value, name: name ? name.value : ""
      })).then(function (data) {
        document.getElementById("commit-result").textContent = data.done || data.refused;
        if (data.done) {  // committed: nothing is left to list as uncommitted
          var list = document.getElementById("changes"), none = document.createElement("p");
          none.id = "changes"; none.textContent = "没有未提交的改动。";
          list.replaceWith(none);
          commitForm.hidden = true;
        }
      });
    });
    var remembered = document.getElementById("commit-name");
    if (remembered) remembered.value = localStorage.getItem("desk-name") || "";
  }

  // --- mending a file the form cannot open -----------------------------------------------------------
  var mend = document.getElementById("mend");
  if (mend) {
    var mendSetup = JSON.parse(document.getElementById("mend-setup").textContent);
    var mendText = document.getElementById("mend-text"), mendStatus = document.getElementById("mend-status");
    var mendHash = mendSetup.hash, mendTimer = null;
    mendText.value = mendSetup.text;
    var goTo = function (line) {  // the cursor on that line, selected, scrolled into view
      var lines = mendText.value.split("\n"), start = 0;
      for (var i = 0; i < line - 1 && i < lines.length; i += 1) start += lines[i].length + 1;
      mendText.focus();
      mendText.setSelectionRange(start, start + (lines[line - 1] || "").length);
      mendText.scrollTop = Math.max(0, (line - 3) * (mendText.scrollHeight / Math.max(lines.length, 1)));
    };
    var listErrors = function (data) {
      var list = document.getElementById("mend-errors");
      list.textContent = "";
      (data.errors || []).forEach(function (m) {
        var li = document.createElement("li"), at = document.createElement("button");
        at.type = "button"; at.className = "line"; at.textContent = "第 " + m.line + " 行";
        at.addEventListener("click", function () { goTo(m.line); });
        li.appendChild(at); li.appendChild(document.createTextNode(" " + m.message)); list.appendChild(li);
      });
      if (!(data.errors || []).length && !data.unreadable) {
        var ok = document.createElement("li"); ok.className = "ok"; ok.textContent = "没有发现错误，可以保存。";
        list.appendChild(ok);
      }
    };
    var mendPost = function (save) {
      return post("/desk/api/mend", JSON.stringify({ path: mendSetup.path, hash: mendHash, text: mendText.value, save: save }));
    };
    listErrors(mendSetup);
    mendText.addEventListener("input", function () {
      clearTimeout(mendTimer);
      mendStatus.textContent = "正在检查…";
      mendTimer = setTimeout(function () {
        mendPost(false).then(function (data) { listErrors(data); mendStatus.textContent = data.refused || ""; });
      }, 400);
    });
    document.getElementById("mend-check").addEventListener("click", function () {
      mendPost(false).then(function (data) { listErrors(data); mendStatus.textContent = data.refused || "已检查"; });
    });
    document.getElementById("mend-save").addEventListener("click", function () {
      mendStatus.textContent = "正在保存…";
      mendPost(true).then(function (data) {
        listErrors(data);
        mendStatus.textContent = data.done || data.refused;
        if (data.saved) location.href = "/desk/edit?path=" + encodeURIComponent(data.saved);
      });
    });
  }

  // --- the item form -----------------------------------------------------------------------------------
  var form = document.getElementById("item-form");
  if (!form) return;
  form.addEventListener("submit", function (event) { event.preventDefault(); });  // saved by 保存 only
  var setup = JSON.parse(document.getElementById("setup").textContent);
  var path = setup.path, hash = setup.hash, files = { attachments: (setup.values.attachments || []).slice() };
  var body = document.getElementById("in-body"), saveButton = document.getElementById("save");
  var statusLine = document.getElementById("status"), timer = null, asked = 0, hasErrors = true;
  var held = "", dirty = false;  // dirty: the form differs from the file on disk  // the ticket of a Word import whose images the server keeps until this item is saved

  function input(key) { return document.getElementById("in-" + key); }

  function values() {
    var result = {};
    Object.keys(setup.values).forEach(function (key) {
      var el = input(key);
      if (key === "attachments") result[key] = files.attachments.slice();
      else if (!el) return;
      else if (el.type === "checkbox") result[key] = el.checked;
      else result[key] = el.value;
    });
    return result;
  }

  function fill() {
    Object.keys(setup.values).forEach(function (key) {
      var el = input(key), value = setup.values[key];
      if (!el || key === "attachments") return;
      if (el.type === "checkbox") el.checked = value === true;
      else {
        if (el.tagName === "SELECT" && value && !Array.prototype.some.call(el.options, function (o) { return o.value === value; })) {
          el.add(new Option(value, value));  // a value the file has but the list lacks: shown, and checked
        }
        el.value = value;
      }
    });
    drawFiles();
  }

  function drawFiles() {
    var list = input("attachments");
    list.textContent = "";
    files.attachments.forEach(function (file, index) {
      var li = document.createElement("li"), remove = document.createElement("button");
      li.textContent = file.replace(/^.*\//, "") + " ";
      remove.type = "button"; remove.textContent = "移除";
      remove.addEventListener("click", function () { files.attachments.splice(index, 1); drawFiles(); changed(); });
      li.appendChild(remove);
      list.appendChild(li);
    });
  }

  function defaults() {
    var category = input("category").value, start = input("valid_from").value, days = setup.days[category];
    var until = document.querySelector('[data-default="valid_until"]');
    if (days && /^\d{4}-\d{2}-\d{2}$/.test(start)) {
      var end = new Date(start + "T00:00:00Z");
      end.setUTCDate(end.getUTCDate() + days - 1);
      until.textContent = "不填则按类别默认公开 " + days + " 天，至 " + end.toISOString().slice(0, 10);
    } else {
      until.textContent = category && !days ? "这个类别没有默认天数：不填则长期公开" : "";
    }
    document.getElementById("field-public_from").hidden = input("scope").value !== "public";
    var department = input("department");
    department.options[0].textContent = setup.departments[category] ? "（按类别：" + setup.departments[category] + "）" : "（不填）";
  }

  function show(data) {
    document.querySelectorAll(".msg[data-for]").forEach(function (p) { p.textContent = ""; p.parentNode.classList.remove("bad"); });
    var warnings = document.getElementById("warnings");
    warnings.textContent = "";
    (data.errors || []).forEach(function (m) {
      var p = document.querySelector('.msg[data-for="' + m.field + '"]') || document.querySelector('.msg[data-for=""]');
      p.textContent += (p.textContent ? "\n" : "") + m.text;
      p.parentNode.classList.add("bad");
    });
    (data.warnings || []).forEach(function (m) {
      var li = document.createElement("li"); li.textContent = "提醒：" + m.text; warnings.appendChild(li);
    });
    if (data.path && !path) document.getElementById("item-path").textContent = "content/" + data.path + "（保存后）";
    if (data.html !== undefined) {
      var base = "/internal/" + (data.page || "items/x.html");
      document.getElementById("body-preview").srcdoc = '<!DOCTYPE html><meta charset="utf-8"><base href="' + base +
        '">' + (setup.stylesheet ? '<link rel="stylesheet" href="' + setup.stylesheet + '">' : "") + '<body class="desk-preview">' + data.html + "</body>";
    }
    hasErrors = !!(data.errors && data.errors.length) || !!data.refused;
    saveButton.disabled = hasErrors;
    statusLine.textContent = data.refused || (hasErrors ? "有 " + data.errors.length + " 处需要修改，改好后才能保存" : "检查通过，可以保存");
    form.dataset.checked = String(asked);
  }

  function check() {
    var mine = ++asked;
    saveButton.disabled = true;
    return post("/desk/api/check", JSON.stringify({ path: path, "import": held, values: payload() })).then(function (data) {
      if (mine === asked) show(data);  // an older answer never overwrites a newer one
    });
  }

  function payload() { var v = values(); v.body = body.value; return v; }

  function changed() {
    dirty = true;
    defaults();
    clearTimeout(timer);
    statusLine.textContent = "正在检查…";
    timer = setTimeout(check, 250);
  }

  saveButton.addEventListener("click", function () {
    saveButton.disabled = true;
    statusLine.textContent = "正在保存…";
    post("/desk/api/save", JSON.stringify({ path: path, hash: hash, "import": held, values: payload() })).then(function (data) {
      if (data.status === 409 && data.disk !== undefined) return conflict(data);
      show(data);
      if (data.saved) {
        statusLine.textContent = data.done + "：content/" + data.saved;
        if (!path) { location.href = "/desk/edit?path=" + encodeURIComponent(data.saved) + "&saved=1"; return; }
        hash = data.hash;
        dirty = false;
      }
    });
  });

  function conflict(data) {
    document.getElementById("conflict-message").textContent = data.refused;
    document.getElementById("conflict-disk").textContent = data.disk;
    document.getElementById("conflict-mine").textContent = data.mine;
    document.getElementById("conflict-dialog").showModal();
    statusLine.textContent = "没有保存：文件已被改过";
  }

  var withdraw = document.getElementById("withdraw");
  if (withdraw) {
    var dialog = document.getElementById("withdraw-dialog");
    withdraw.addEventListener("click", function () { dialog.showModal(); });
    document.getElementById("withdraw-confirm").addEventListener("click", function (event) {
      event.preventDefault();
      post("/desk/api/withdraw", JSON.stringify({ path: path, hash: hash, reason: document.getElementById("withdraw-reason").value,
        replaced_by: document.getElementById("withdraw-replaced-by").value }))
        .then(function (data) {
          if (data.status === 409 && data.disk !== undefined) { dialog.close(); return conflict(data); }
          if (!data.saved) { document.getElementById("withdraw-msg").textContent = data.refused || "未能撤销。"; return; }
          location.href = "/desk/edit?path=" + encodeURIComponent(path) + "&withdrawn=1";
        });
    });
  }

  var reviewButton = document.getElementById("review-button");
  if (reviewButton) {
    reviewButton.addEventListener("click", function () {
      var msg = document.getElementById("review-msg"), name = document.getElementById("review-name");
      if (dirty) { msg.textContent = "表单里有未保存的修改：请先保存，再审核（审核的是保存后的内容）。"; return; }
      post("/desk/api/review", JSON.stringify({ path: path, hash: hash, name: name ? name.value : "" })).then(function (data) {
        if (data.status === 409 && data.disk !== undefined) return conflict(data);
        msg.textContent = data.done || data.refused;
        if (data.saved) { location.href = "/desk/edit?path=" + encodeURIComponent(path) + "&reviewed=1"; }
      });
    });
  }

  function upload(file, replace, field) {
    var msg = document.querySelector('.msg[data-for="' + field + '"]');
    msg.textContent = "";
    var url = "/desk/api/upload?name=" + encodeURIComponent(file.name) + (replace ? "&replace=1" : "");
    return post(url, file, "application/octet-stream").then(function (data) {
      if (data.status === 409 && data.exists && confirm(data.refused + "\n要用新上传的文件替换它吗？（取消则不上传）")) {
        return upload(file, true, field);
      }
      if (!data.path) {  // refused: said beside the field it was chosen in
        msg.textContent = file.name + "：" + (data.refused || "未能上传。");
        msg.parentNode.classList.add("bad");
        return null;
      }
      return data;
    });
  }

  function relative(target) {  // a path inside content/ as the item file links it
    var depth = ((path || (document.getElementById("item-path").textContent.replace(/^content\//, ""))).split("/").length - 1);
    return new Array(depth + 1).join("../") + target;
  }

  document.getElementById("upload-attachments").addEventListener("change", function (event) {
    Array.prototype.reduce.call(event.target.files, function (done, file) {
      return done.then(function () {
        return upload(file, false, "attachments").then(function (data) {
          if (data && files.attachments.indexOf(data.path) < 0) { files.attachments.push(data.path); drawFiles(); changed(); }
        });
      });
    }, Promise.resolve()).then(function () { event.target.value = ""; });
  });

  var snippets = {
    heading: "\n## 小标题\n", list: "\n1. 第一项\n2. 第二项\n", link: "[说明文字](https://)",
    table: "\n| 项目 | 内容 |\n| --- | --- |\n| 　 | 　 |\n"
  };
  function insert(text) {
    var start = body.selectionStart, end = body.selectionEnd;
    body.setRangeText(text, start, end, "end");
    body.focus();
    changed();
  }
  document.querySelectorAll("[data-insert]").forEach(function (button) {
    button.addEventListener("click", function () {
      var what = button.dataset.insert;
      if (what === "image") document.getElementById("upload-image").click();
      else insert(snippets[what]);
    });
  });
  document.getElementById("upload-image").addEventListener("change", function (event) {
    var file = event.target.files[0];
    if (!file) return;
    upload(file, false, "body").then(function (data) {
      if (data) insert("![" + file.name.replace(/\.[^.]*$/, "") + "](" + relative(data.path) + ")");
      event.target.value = "";
    });
  });

  var importButton = document.getElementById("import-button");
  if (importButton) {
    var importFile = document.getElementById("import-file"), importMsg = document.getElementById("import-msg");
    importButton.addEventListener("click", function () { importFile.click(); });
    if (location.hash === "#word") importButton.focus();
    importFile.addEventListener("change", function () {
      var file = importFile.files[0];
      if (!file) return;
      importMsg.textContent = "正在导入 " + file.name + "…";
      var url = "/desk/api/import?name=" + encodeURIComponent(file.name) +
        (document.getElementById("import-keep").checked ? "&keep=1" : "");
      post(url, file, "application/octet-stream").then(function (data) {
        importFile.value = "";
        if (!data.values) { importMsg.textContent = data.refused || "未能导入。"; return; }
        held = data["import"];
        ["title", "doc_number", "date", "issuer"].forEach(function (key) {
          if (data.values[key] !== undefined) input(key).value = data.values[key];
        });
        files.attachments = data.values.attachments.slice();
        drawFiles();
        body.value = data.values.body;
        importMsg.textContent = "已从 " + file.name + " 导入，请核对下面的内容，选好类别后保存。";
        var report = document.getElementById("import-report");
        report.textContent = "";
        data.recognised.concat(data.notes.map(function (n) { return "请注意：" + n; })).forEach(function (line) {
          var li = document.createElement("li"); li.textContent = line; report.appendChild(li);
        });
        changed();
      });
    });
  }

  input("category").addEventListener("change", function () {
    // a new item reaches as far as its catalogue entry says, until the clerk chooses otherwise
    if (!path && setup.scopes[input("category").value]) input("scope").value = setup.scopes[input("category").value];
  });
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  fill();
  defaults();
  check();
})();
