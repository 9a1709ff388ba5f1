// Listen: a "Listen" button before each [data-listen] part of the page (a lesson, the
// self-check, the task list, what to do now). It reads the part aloud with the phone's own
// speech synthesis (Web Speech API: no audio files, nothing sent anywhere, no cost unused), each
// piece in its own language: the page's, and Dutch for the parts marked lang="nl". Where the
// browser cannot speak the page's language, nothing is added.
(function () {
  var synth = window.speechSynthesis;
  if (!synth || typeof window.SpeechSynthesisUtterance === "undefined") return;
  var regions = document.querySelectorAll("[data-listen]");
  var labels = document.body.dataset;
  var buttons = [];
  if (!regions.length || !labels.listenLabel) return;

  function base(lang) { return (lang || "").toLowerCase().split(/[-_]/)[0]; }

  function pieces(root) {
    var out = [];
    function add(text, lang) {
      text = text.replace(/\s+/g, " ").trim();
      if (!text) return;
      var last = out[out.length - 1];
      if (last && last.lang === lang) last.text += " " + text;
      else out.push({ text: text, lang: lang });
    }
    function walk(node, lang) {
      if (node.nodeType === 3) { add(node.textContent, lang); return; }
      if (node.nodeType !== 1 || node.hidden || node.getAttribute("aria-hidden") === "true") return;
      if (/^(SCRIPT|STYLE|BUTTON|INPUT|SELECT|TEXTAREA|SVG)$/i.test(node.tagName)) return;
      var own = node.getAttribute("lang") || lang;
      if (node.tagName === "IMG") { add(node.getAttribute("alt") || "", own); return; }
      for (var child = node.firstChild; child; child = child.nextSibling) walk(child, own);
    }
    var holder = root.closest("[lang]");
    walk(root, holder ? holder.getAttribute("lang") : document.documentElement.lang);
    return out;
  }

  function stopAll() {
    synth.cancel();
    buttons.forEach(function (b) { b.textContent = labels.listenLabel; b.dataset.playing = ""; });
  }

  function setup() {
    if (buttons.length) return true;
    var page = base(document.documentElement.lang);
    var voices = synth.getVoices();
    if (!voices.some(function (v) { return base(v.lang) === page; })) return false;
    Array.prototype.forEach.call(regions, function (region) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "listen-button";
      button.textContent = labels.listenLabel;
      button.addEventListener("click", function () {
        var playing = button.dataset.playing === "yes";
        stopAll();
        if (playing) return;
        button.dataset.playing = "yes";
        button.textContent = labels.stopLabel;
        var parts = pieces(region);
        parts.forEach(function (part, index) {
          var spoken = new window.SpeechSynthesisUtterance(part.text);
          spoken.lang = part.lang;
          if (index === parts.length - 1) spoken.onend = function () { if (button.dataset.playing) stopAll(); };
          synth.speak(spoken);
        });
      });
      region.parentNode.insertBefore(button, region);
      buttons.push(button);
    });
    return true;
  }

  if (!setup() && synth.addEventListener) synth.addEventListener("voiceschanged", setup);
  window.addEventListener("pagehide", function () { synth.cancel(); });
})();
