/* elearn SCO runtime (SCORM 1.2): finds the LMS's API, reports status, score and session time,
   resumes with cmi.suspend_data, and grades the quiz in the page (the answer key is in the package).
   No external requests; works without an LMS (then nothing is recorded, which the page says). */
(function () {
  "use strict";

  var api = null, started = Date.now(), finished = false, key = null, state = { a: {}, r: null };
  var passStatus = "passed", failStatus = "failed";

  function findAPI(win) {
    for (var tries = 0; win && tries < 10; tries++) {
      try { if (win.API) { return win.API; } } catch (e) { return null; }
      if (win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }

  function lms() {
    return findAPI(window) || (window.opener ? findAPI(window.opener) : null);
  }

  function get(name) { return api ? String(api.LMSGetValue(name) || "") : ""; }
  function set(name, value) { if (api) { api.LMSSetValue(name, String(value)); } }
  function commit() { if (api) { api.LMSCommit(""); } }

  function pad(n, width) { n = String(n); while (n.length < width) { n = "0" + n; } return n; }

  /* CMITimespan: HHHH:MM:SS.SS */
  function timespan(ms) {
    var cs = Math.floor(ms / 10), s = Math.floor(cs / 100), m = Math.floor(s / 60), h = Math.floor(m / 60);
    return pad(h, 4) + ":" + pad(m % 60, 2) + ":" + pad(s % 60, 2) + "." + pad(cs % 100, 2);
  }

  /* Python's round(): halves go to the even neighbour, so the score equals the site's. */
  function roundHalfEven(x) {
    var f = Math.floor(x), d = x - f;
    if (Math.abs(d - 0.5) < 1e-9) { return f % 2 === 0 ? f : f + 1; }
    return Math.round(x);
  }

  function saveState() {
    var text = JSON.stringify(state);
    if (text.length <= 4096) { set("cmi.suspend_data", text); }
  }

  function chosen(form, id) {
    var out = [];
    var inputs = form.querySelectorAll('input[name="q-' + id + '"]');
    for (var i = 0; i < inputs.length; i++) { if (inputs[i].checked) { out.push(inputs[i].value); } }
    return out;
  }

  function shuffle(container) {
    var nodes = Array.prototype.slice.call(container.children);
    for (var i = nodes.length - 1; i > 0; i--) {
      var j = Math.floor(Math.random() * (i + 1)), t = nodes[i]; nodes[i] = nodes[j]; nodes[j] = t;
    }
    nodes.forEach(function (node) { container.appendChild(node); });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function passMark() {
    var mastery = parseFloat(get("cmi.student_data.mastery_score"));
    return isNaN(mastery) ? key.pass_mark : mastery;
  }

  function review(section, answers) {
    var list = section.querySelector("[data-review]");
    list.textContent = "";
    key.questions.forEach(function (q, index) {
      var picked = answers[q.id] || [];
      var right = sameSet(picked, q.correct);
      var item = el("li", "question review__item " + (right ? "review__item--right" : "review__item--wrong"));
      item.id = "review-" + q.id;
      item.appendChild(el("h3", "review__heading", "問" + (index + 1) + " " + (right ? "正解" : "不正解")));
      var options = el("ul", "review__options");
      q.options.forEach(function (o) {
        var isCorrect = q.correct.indexOf(o.id) >= 0, isChosen = picked.indexOf(o.id) >= 0;
        var li = el("li", (isCorrect ? "is-correct" : "") + (isChosen ? " is-chosen" : ""), o.text);
        li.setAttribute("data-option", o.id);
        if (isCorrect) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "badge badge--completed", "正解")); }
        if (isChosen) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "badge", "あなたの回答")); }
        if (!isCorrect && o.reason) { li.appendChild(el("p", "review__reason", o.reason)); }
        options.appendChild(li);
      });
      item.appendChild(options);
      var explanation = el("div", "review__explanation");
      explanation.appendChild(el("h4", "", "解説"));
      var prose = el("div", "prose");
      prose.innerHTML = q.explanation_html; /* rendered by elearn's Markdown renderer at export */
      explanation.appendChild(prose);
      explanation.appendChild(el("p", "note", "出典：" + q.source));
      item.appendChild(explanation);
      list.appendChild(item);
    });
  }

  function sameSet(a, b) {
    if (a.length !== b.length) { return false; }
    for (var i = 0; i < a.length; i++) { if (b.indexOf(a[i]) < 0) { return false; } }
    return true;
  }

  function showResult(result, answers) {
    var section = document.getElementById("quiz-result");
    section.querySelector("[data-score]").textContent = result.s + "%";
    section.querySelector("[data-verdict]").textContent = result.p
      ? "合格です。この教材は修了になりました。"
      : "今回は合格ラインに届きませんでした。解説を読んで、もう一度挑戦できます。";
    section.className = "panel result " + (result.p ? "result--pass" : "result--fail");
    section.querySelector("[data-best]").textContent = state.best !== undefined ? "これまでの最高点：" + state.best + "%" : "";
    review(section, answers);
    section.hidden = false;
    document.querySelector("[data-quiz]").hidden = true;
  }

  function submit(event) {
    event.preventDefault();
    var form = event.target, answers = {}, missing = [];
    key.questions.forEach(function (q, index) {
      answers[q.id] = chosen(form, q.id);
      if (!answers[q.id].length) { missing.push([q.id, index + 1]); }
    });
    var errors = document.getElementById("quiz-errors");
    if (missing.length) {
      var list = errors.querySelector("[data-missing-list]");
      list.textContent = "";
      missing.forEach(function (m) {
        var li = el("li"), a = el("a", "", "問" + m[1]);
        a.href = "#question-" + m[0];
        li.appendChild(a); li.appendChild(document.createTextNode("：未回答の問題があります。"));
        list.appendChild(li);
      });
      errors.querySelector("[data-missing-count]").textContent = String(missing.length);
      errors.hidden = false;
      errors.focus();
      return;
    }
    errors.hidden = true;
    var right = key.questions.filter(function (q) { return sameSet(answers[q.id], q.correct); }).length;
    var score = roundHalfEven(100 * right / key.questions.length);
    var passed = score >= passMark();
    var best = Math.max(score, state.best === undefined ? 0 : state.best);
    var everPassed = passed || !!state.passed;
    state = { a: answers, r: { s: score, p: passed }, best: best, passed: everPassed };
    set("cmi.core.score.min", 0);
    set("cmi.core.score.max", 100);
    set("cmi.core.score.raw", best);
    set("cmi.core.lesson_status", everPassed ? passStatus : failStatus);
    saveState();
    set("cmi.core.session_time", timespan(Date.now() - started));
    commit();
    showResult(state.r, answers);
    document.getElementById("quiz-result").focus();
  }

  function retry() {
    document.getElementById("quiz-result").hidden = true;
    var form = document.querySelector("[data-quiz]");
    form.reset();
    form.hidden = false;
    state.a = {}; state.r = null;
    saveState();
    document.getElementById("quiz").scrollIntoView();
  }

  function restore(form) {
    var text = get("cmi.suspend_data");
    if (!text) { return; }
    try { state = JSON.parse(text); } catch (e) { state = { a: {}, r: null }; return; }
    Object.keys(state.a || {}).forEach(function (id) {
      (state.a[id] || []).forEach(function (value) {
        var input = document.getElementById("q-" + id + "-" + value);
        if (input) { input.checked = true; }
      });
    });
    if (state.r) { showResult(state.r, state.a); }
  }

  /* cmi.core.lesson_location: the last section heading of the module read past. */
  function trackLocation() {
    var headings = document.querySelectorAll("[data-sections] h2, #quiz");
    var last = -1;
    function seen() {
      for (var i = headings.length - 1; i >= 0; i--) {
        if (headings[i].getBoundingClientRect().top < window.innerHeight / 2) {
          if (i > last) { last = i; set("cmi.core.lesson_location", "s" + i); }
          return;
        }
      }
    }
    window.addEventListener("scroll", seen, { passive: true });
    var location = get("cmi.core.lesson_location").match(/^s(\d+)$/);
    if (location && headings[+location[1]] && get("cmi.core.entry") === "resume") {
      last = +location[1];
      headings[last].scrollIntoView();
    }
  }

  function finish() {
    if (finished || !api) { return; }
    finished = true;
    var status = get("cmi.core.lesson_status");
    set("cmi.core.exit", status === "passed" || status === "completed" ? "" : "suspend");
    set("cmi.core.session_time", timespan(Date.now() - started));
    commit();
    api.LMSFinish("");
  }

  function start() {
    api = lms();
    var note = document.getElementById("sco-lms");
    if (!api || String(api.LMSInitialize("")) !== "true") {
      api = null;
      note.textContent = "LMS に接続されていません。確認テストは受けられますが、結果は記録されません。";
      note.hidden = false;
    }
    var data = document.getElementById("elearn-quiz");
    key = data ? JSON.parse(data.textContent) : null;
    if (key && key.report === "completed") { passStatus = "completed"; failStatus = "incomplete"; }
    var status = get("cmi.core.lesson_status");
    if (api && (status === "" || status === "not attempted")) { set("cmi.core.lesson_status", "incomplete"); commit(); }
    if (key) {
      var marks = document.querySelectorAll("[data-pass-mark]");
      for (var i = 0; i < marks.length; i++) { marks[i].textContent = String(passMark()); }
      var shuffled = document.querySelectorAll("[data-shuffle]");
      for (var j = 0; j < shuffled.length; j++) { shuffle(shuffled[j]); }
      var form = document.querySelector("[data-quiz]");
      form.addEventListener("submit", submit);
      form.addEventListener("change", function () {
        key.questions.forEach(function (q) { state.a[q.id] = chosen(form, q.id); });
        saveState();
      });
      document.querySelector("[data-retry]").addEventListener("click", retry);
      restore(form);
      /* What the LMS already holds counts too (a new attempt without suspend data). */
      if (status === "passed" || status === "completed") { state.passed = true; }
      var raw = parseFloat(get("cmi.core.score.raw"));
      if (!isNaN(raw) && (state.best === undefined || raw > state.best)) { state.best = raw; }
    }
    trackLocation();
    window.addEventListener("pagehide", finish);
    window.addEventListener("beforeunload", finish);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
