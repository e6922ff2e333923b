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
  var state = { slides: [], index: -1, page: 0, pages: 1, timer: null, paused: false, pending: null, reload: false };

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
    var head = element("div", "head");
    head.appendChild(element("p", "category", slide.group + " · " + slide.category_name));
    var title = element("h2");
    if (slide.pinned) title.appendChild(element("span", "pin", "置顶"));
    title.appendChild(document.createTextNode(slide.title));
    head.appendChild(title);
    var meta = element("dl", "meta");
    [["发布机构", slide.issuer], ["文号", slide.doc_number], ["成文日期", slide.date],
     ["公开期限", slide.valid_from + " 至 " + (slide.valid_until || "长期")]].forEach(function (row) {
      if (!row[1]) return;
      meta.appendChild(element("dt", "", row[0]));
      meta.appendChild(element("dd", "", row[1]));
    });
    head.appendChild(meta);
    section.appendChild(head);
    var viewport = element("div", "viewport");
    var content = element("div", "content");
    if (slide.withdrawn) {
      content.appendChild(element("p", "notice", "本事项已撤销。撤销说明：" + slide.withdrawn_reason));
    } else {
      if (slide.summary) content.appendChild(element("p", "summary", slide.summary));
      var body = element("div", "body");
      body.innerHTML = slide.body;  // made by the build from Markdown, with raw HTML escaped
      content.appendChild(body);
      if (slide.attachments && slide.attachments.length) {
        content.appendChild(element("p", "attachments", "附件：" + slide.attachments.join("；")));
      }
    }
    viewport.appendChild(content);
    section.appendChild(viewport);
    return section;
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
    var viewport = slide.querySelector(".viewport");
    var content = slide.querySelector(".content");
    content.style.transform = "translateY(" + (-state.page * viewport.clientHeight * 0.92) + "px)";
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

  function clearSlides() {
    Array.prototype.forEach.call(stage.querySelectorAll(".slide:not(.standby)"), function (n) { n.remove(); });
  }

  function show(step) {
    if (atBoundary()) return;
    state.slides = current();
    var count = state.slides.length;
    if (!count) { clearSlides(); showStandby(); schedule(); return; }
    if (step > 0 && state.started && state.index >= count - 1 && !overHttp) {
      location.reload();  // from file:// a full rotation is the moment to pick up a new build
      return;
    }
    for (var tries = 0; tries < count; tries++) {
      state.index = state.index < 0 ? (step > 0 ? 0 : count - 1) : (state.index + step + count) % count;
      try {
        var node = build(state.slides[state.index]);
        clearSlides();
        standby.hidden = true;
        stage.appendChild(node);
        var viewport = node.querySelector(".viewport");
        var content = node.querySelector(".content");
        state.pages = Math.max(1, Math.ceil(content.scrollHeight / (viewport.clientHeight * 0.92)));
        state.page = 0;
        state.started = true;
        showPage();
        schedule();
        return;
      } catch (error) {
        step = step < 0 ? -1 : 1;  // a broken item never stops the rotation: try the next one
      }
    }
    clearSlides();
    showStandby();
    schedule();
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
  window.addEventListener("resize", layout);
  layout();
  tick();
  setInterval(tick, 1000);
  setInterval(poll, data.poll_seconds * 1000);
  scheduleDeadline();
  window.gongkaiKiosk = state;  // for the operator's console and the tests
  show(1);
})();
