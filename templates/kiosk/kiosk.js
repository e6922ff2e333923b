// Gongkai kiosk: rotates the current disclosure items on the lobby screen for weeks without a touch.
// Dates are the site's (data.timezone), not the screen's; items whose window has ended drop out by the
// screen's own clock; new builds are picked up by polling (http) or by reloading after a rotation (file://).
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("gongkai-data").textContent);
  var assets = document.documentElement.getAttribute("data-assets");
  var overHttp = location.protocol === "http:" || location.protocol === "https:";
  var stage = document.getElementById("stage");
  var standby = document.getElementById("standby");
  var position = document.getElementById("position");
  var meter = document.getElementById("meter");
  var pausedBadge = document.getElementById("paused");
  var state = { slides: [], index: -1, page: 0, pages: 1, timer: null, paused: false, pending: null, reload: false, token: 0 };

  function parts(date, tz) {
    var format = new Intl.DateTimeFormat("en-US", {
      timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", weekday: "short"
    });
    var out = {};
    format.formatToParts(date).forEach(function (p) { out[p.type] = p.value; });
    return out;
  }

  function today() {
    var p = parts(new Date(), data.timezone);
    return p.year + "-" + p.month + "-" + p.day;
  }

  // Epoch milliseconds of 00:00 on a YYYY-MM-DD day in the site's time zone.
  function midnight(day) {
    var ymd = day.split("-").map(Number);
    var target = Date.UTC(ymd[0], ymd[1] - 1, ymd[2]);
    var guess = target;
    for (var i = 0; i < 3; i++) {
      var p = parts(new Date(guess), data.timezone);
      var shown = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
      guess += target - shown;
    }
    return guess;
  }

  function current() {
    var day = today();
    return data.slides.filter(function (s) { return !s.valid_until || s.valid_until >= day; });
  }

  var WEEKDAYS = { Sun: "日", Mon: "一", Tue: "二", Wed: "三", Thu: "四", Fri: "五", Sat: "六" };
  function tick() {
    var p = parts(new Date(), data.timezone);
    document.getElementById("clock-time").textContent = p.hour + ":" + p.minute + ":" + p.second;
    document.getElementById("clock-date").textContent =
      p.year + "年" + p.month + "月" + p.day + "日 星期" + WEEKDAYS[p.weekday];
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function build(slide) {
    var section = element("section", "slide");
    section.setAttribute("data-id", slide.id);
    if (slide.withdrawn) return notice(section, slide);
    var head = element("div", "head");
    head.appendChild(element("p", "category", slide.group + " · " + slide.category_name));
    head.appendChild(element("h2", "", slide.title));  // no 置顶 badge: every slide has the whole screen
    var meta = element("dl", "meta");
    [["发布机构", slide.issuer], ["文号", slide.doc_number], ["成文日期", slide.date],
     ["公开期限", slide.valid_from + " 至 " + (slide.valid_until || "长期")]].forEach(function (row) {
      if (!row[1]) return;
      meta.appendChild(element("dt", "", row[0]));
      meta.appendChild(element("dd", "", row[1]));
    });
    head.appendChild(meta);
    if (data.qr && slide.qr) head.appendChild(code(slide, "corner-code", "扫码查看"));
    section.appendChild(head);
    var viewport = element("div", "viewport");
    var source = element("div", "source");  // the item's blocks, moved onto screens by paginate()
    if (slide.summary) source.appendChild(element("p", "summary", slide.summary));
    var body = element("div");
    body.innerHTML = slide.body;  // made by the build from Markdown, with raw HTML escaped
    Array.prototype.forEach.call(body.childNodes, function (n) {
      if (n.nodeType === 1) source.appendChild(n.cloneNode(true));
      else if (n.nodeType === 3 && n.textContent.trim()) source.appendChild(element("p", "", n.textContent));
    });
    if (slide.attachments && slide.attachments.length) {
      source.appendChild(element("p", "attachments", "附件：" + slide.attachments.join("；")));
    }
    // A table of many columns needs the whole width: the details go above the text, as on a portrait screen.
    var widest = 0;
    Array.prototype.forEach.call(source.querySelectorAll("table"), function (t) {
      if (t.rows.length) widest = Math.max(widest, t.rows[0].cells.length);
    });
    if (widest > 4) section.classList.add("wide");
    viewport.appendChild(source);
    section.appendChild(viewport);
    return section;
  }

  // A withdrawn item is an announcement of its withdrawal, never its text: 已撤销, the title, the reason.
  function notice(section, slide) {
    section.classList.add("withdrawn");
    var card = element("div", "notice");
    card.appendChild(element("p", "stamp", "已撤销"));
    card.appendChild(element("p", "category", slide.group + " · " + slide.category_name));
    card.appendChild(element("h2", "", slide.title));
    card.appendChild(element("p", "reason", "撤销说明：" + slide.withdrawn_reason));
    if (slide.withdrawn_on) card.appendChild(element("p", "was", "撤销日期：" + slide.withdrawn_on));
    card.appendChild(element("p", "was", "原公开期限：" + slide.valid_from + " 至 " + (slide.valid_until || "长期")));
    section.appendChild(card);
    return section;
  }

  function code(slide, className, caption) {
    var figure = element("figure", className);
    var picture = element("div", "code");
    picture.innerHTML = slide.qr;  // an SVG drawn by the build
    figure.appendChild(picture);
    figure.appendChild(element("figcaption", "", caption));
    return figure;
  }

  // Calls back once every image of the slide has loaded (or failed): only then do blocks have their height.
  function whenLoaded(node, callback) {
    var waiting = Array.prototype.filter.call(node.querySelectorAll("img"), function (img) { return !img.complete; });
    var left = waiting.length;
    if (!left) { callback(); return; }
    waiting.forEach(function (img) {
      var done = function () { img.onload = img.onerror = null; if (--left === 0) callback(); };
      img.onload = img.onerror = done;
    });
  }

  var HEADING = /^H[1-6]$/;

  // Lays the item's blocks onto screens the size of the viewport, measuring the page as it goes: a block,
  // a table row (under its repeated header) or a list item is never cut; a block taller than a screen is
  // shown a whole number of lines at a time; a heading never ends a screen. At most data.max_screens screens
  // of text; a longer item then gets a screen with a QR code to its page (or says where to read it).
  // Returns the number of screens.
  function paginate(node, slide) {
    var viewport = node.querySelector(".viewport");
    if (!viewport) return 1;
    var source = viewport.querySelector(".source");
    var height = viewport.clientHeight;
    viewport.style.setProperty("--screen-height", height + "px");
    var screens = [];
    var screen = null;
    var truncated = false;

    function open() {
      if (screen) screen.hidden = true;
      screen = element("div", "content screen");
      viewport.appendChild(screen);
      screens.push(screen);
    }
    function fits() { return screen.getBoundingClientRect().height <= height + 0.5; }
    function next() {  // a new screen, carrying a heading left at the bottom of the last one
      if (screens.length >= data.max_screens) { truncated = true; return false; }
      var last = screen.lastElementChild;
      var carry = last && HEADING.test(last.tagName) && screen.children.length > 1 ? last : null;
      open();
      if (carry) screen.appendChild(carry);
      return true;
    }
    function shell(group) {  // an empty copy of a table (with its header) or a list, for the rows of one screen
      var copy = group.cloneNode(false);
      if (group.tagName === "TABLE") {
        if (group.tHead) copy.appendChild(group.tHead.cloneNode(true));
        copy.appendChild(document.createElement("tbody"));
      }
      screen.appendChild(copy);
      return copy.tagName === "TABLE" ? copy.tBodies[0] : copy;
    }
    function parts(group) {
      if (group.tagName === "TABLE") {
        var rows = [];
        Array.prototype.forEach.call(group.tBodies, function (b) { rows.push.apply(rows, b.rows); });
        return rows;
      }
      return Array.prototype.filter.call(group.children, function (c) { return c.tagName === "LI"; });
    }
    function placeParts(group) {
      if (group.tagName === "TABLE") narrow(group);
      var start = group.tagName === "OL" ? (parseInt(group.getAttribute("start"), 10) || 1) : 0;
      var holder = shell(group);
      var placed = 0;
      var all = parts(group);
      for (var i = 0; i < all.length; i++) {
        holder.appendChild(all[i]);
        if (fits()) { placed++; continue; }
        holder.removeChild(all[i]);
        var alone = placed === 0 && screen.children.length === 1;
        if (alone) { holder.appendChild(all[i]); placed++; continue; }  // taller than a screen by itself
        if (placed === 0) screen.removeChild(holder.tagName === "TBODY" ? holder.parentNode : holder);
        if (!next()) return false;
        holder = shell(group);
        if (start) holder.setAttribute("start", start + i);  // a list continues its numbering
        holder.appendChild(all[i]);
        placed = 1;
      }
      return true;
    }
    function placeLines(block) {  // a block taller than a screen: whole lines at a time through a window
      screen.appendChild(block);
      var total = block.getBoundingClientRect().height;
      var style = getComputedStyle(block);
      var line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.75;
      screen.removeChild(block);
      var span = Math.max(1, Math.floor(height / line)) * line;
      for (var offset = 0; offset < total - 0.5; offset += span) {
        if (offset > 0 && !next()) return false;
        var clip = element("div", "lines");
        clip.style.height = Math.min(span, total - offset) + "px";
        var copy = block.cloneNode(true);
        copy.style.marginTop = -offset + "px";
        copy.style.marginBottom = "0";
        clip.appendChild(copy);
        screen.appendChild(clip);
      }
      return true;
    }
    function place(block) {
      if (block.tagName === "TABLE" || block.tagName === "UL" || block.tagName === "OL") return placeParts(block);
      screen.appendChild(block);
      if (fits()) return true;
      screen.removeChild(block);
      if (screen.children.length) return next() && place(block);
      return placeLines(block);
    }
    // A table whose columns do not fit side by side unwrapped is set in smaller type (down to 64 %) before it
    // is cut into screens: fewer cells wrap to a character or two per line. What still does not fit wraps.
    function narrow(table) {
      screen.appendChild(table);
      table.style.width = "max-content";
      for (var size = 100; size > 64 && table.getBoundingClientRect().width > viewport.clientWidth + 0.5; size -= 6) {
        table.style.fontSize = size - 6 + "%";
      }
      table.style.width = "";
      screen.removeChild(table);
    }

    open();
    var blocks = Array.prototype.slice.call(source.children);
    source.remove();
    for (var i = 0; i < blocks.length && place(blocks[i]); i++) { /* placed */ }
    if (truncated && slide.qr) {
      open();
      screen.classList.add("more");
      screen.appendChild(code(slide, "full-code", "扫码查看全文"));
      screen.appendChild(element("p", "link", slide.link));
      screen.appendChild(element("p", "cut", "本事项较长，屏幕上只显示前 " + data.max_screens + " 屏。"));
    } else if (truncated) {
      var note = element("p", "elsewhere", "本事项较长，屏幕上只显示前 " + data.max_screens + " 屏。" +
        (slide.elsewhere || ""));
      screen.appendChild(note);
      trim(note, fits);
    }
    screens.forEach(function (s, n) { s.hidden = n > 0; });
    return screens.length;
  }

  // Makes room for the closing note on the last screen: the text is cut short anyway, so its end goes.
  function trim(note, fits) {
    var screen = note.parentNode;
    while (!fits() && note.previousElementSibling) {
      var last = note.previousElementSibling;
      var holder = last.tagName === "TABLE" ? last.tBodies[0] : last;
      var many = (last.tagName === "TABLE" || last.tagName === "UL" || last.tagName === "OL") &&
        holder && holder.children.length > 1;
      if (many) holder.removeChild(holder.lastElementChild); else screen.removeChild(last);
    }
  }

  function meterRun(seconds) {
    meter.style.transition = "none";
    meter.style.width = "0";
    void meter.offsetWidth;
    meter.style.transition = "width " + seconds + "s linear";
    meter.style.width = "100%";
  }

  function schedule() {
    clearTimeout(state.timer);
    if (!state.paused) state.timer = setTimeout(advance, data.seconds_per_item * 1000);
    meterRun(state.paused ? 0 : data.seconds_per_item);
  }

  function showPage() {
    var slide = stage.querySelector(".slide:not(.standby)");
    if (!slide) return;
    Array.prototype.forEach.call(slide.querySelectorAll(".screen"), function (s, n) { s.hidden = n !== state.page; });
    position.textContent = (state.index + 1) + " / " + state.slides.length +
      (state.pages > 1 ? "（第 " + (state.page + 1) + "/" + state.pages + " 页）" : "");
  }

  function showStandby() {
    standby.hidden = false;
    position.textContent = "";
    state.index = -1;
  }

  // Between slides only: apply a new build, or reload when the script itself changed.
  function atBoundary() {
    if (state.reload) { location.reload(); return true; }
    if (state.pending) { data = state.pending; state.pending = null; state.index = -1; scheduleDeadline(); }
    return false;
  }

  function clearSlides(keep) {
    Array.prototype.forEach.call(stage.querySelectorAll(".slide:not(.standby)"), function (n) {
      if (n !== keep) n.remove();
    });
  }

  // Shows the slide `step` away (0: the same one again, laid out anew). The new slide is laid out on top of
  // the old one, which stays until it is ready: the screen is never blank between slides.
  function show(step, tries) {
    tries = tries || 0;
    if (atBoundary()) return;
    state.slides = current();
    var count = state.slides.length;
    if (!count || tries >= count) { clearSlides(); showStandby(); schedule(); return; }
    if (step > 0 && !tries && state.started && state.index >= count - 1 && !overHttp) {
      location.reload();  // from file:// a full rotation is the moment to pick up a new build
      return;
    }
    state.index = state.index < 0 ? (step < 0 ? count - 1 : 0) : (state.index + step + count) % count;
    var token = ++state.token;
    var slide = state.slides[state.index];
    var skip = function (node) {  // a broken item never stops the rotation: try the next one
      if (node) node.remove();
      show(step < 0 ? -1 : 1, tries + 1);
    };
    var node = null;
    try {
      node = build(slide);
      stage.appendChild(node);
    } catch (error) { skip(node); return; }
    whenLoaded(node, function () {
      if (token !== state.token) { node.remove(); return; }
      try {
        state.pages = paginate(node, slide);
      } catch (error) { skip(node); return; }
      clearSlides(node);
      standby.hidden = true;
      state.page = 0;
      state.started = true;
      showPage();
      schedule();
    });
  }

  function advance() {
    if (state.index >= 0 && state.page + 1 < state.pages) {
      state.page += 1;
      showPage();
      schedule();
    } else {
      show(1);
    }
  }

  // Reload at the next window boundary, so that what a fresh build shows from then on appears on time.
  // setTimeout cannot wait longer than 2^31-1 ms (24.8 days): longer waits are taken in steps.
  var deadlineTimer = null;
  function scheduleDeadline() {
    clearTimeout(deadlineTimer);
    if (!data.next_change) return;
    var target = midnight(data.next_change) + 1000;
    var wait = target - Date.now();
    if (wait <= 0) return;  // already past (no new build yet): expired items drop out by themselves
    deadlineTimer = setTimeout(function () {
      if (Date.now() >= target) location.reload(); else scheduleDeadline();
    }, Math.min(wait, 2000000000));
  }

  function poll() {
    if (!overHttp) return;
    fetch("version.json", { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (v) {
        if (!v || v.version === data.version || (state.pending && state.pending.version === v.version)) return null;
        if (v.assets !== assets) { state.reload = true; return null; }
        return fetch("slides.json", { cache: "no-store" }).then(function (r) { return r.ok ? r.json() : null; });
      })
      .then(function (next) { if (next && next.version !== data.version) state.pending = next; })
      .catch(function () { /* the server is away for a moment: keep showing what we have */ });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight") { show(1); }
    else if (event.key === "ArrowLeft") { show(-1); }
    else if (event.key === " ") {
      state.paused = !state.paused;
      pausedBadge.hidden = !state.paused;
      schedule();
    } else { return; }
    event.preventDefault();
  });

  var orientation = data.orientation;
  function layout() {
    var portrait = orientation === "portrait" ||
      (orientation === "auto" && window.innerHeight > window.innerWidth);
    document.documentElement.classList.toggle("portrait", portrait);
  }
  window.addEventListener("resize", function () {
    layout();
    if (state.index >= 0) show(0);  // screens are measured: a resized or turned screen is laid out anew
  });
  layout();
  tick();
  setInterval(tick, 1000);
  setInterval(poll, data.poll_seconds * 1000);
  scheduleDeadline();
  window.gongkaiKiosk = state;  // for the operator's console and the tests
  show(1);
})();
