// The hall screen: the countdown runs between polls. The server sends the seconds left when
// it rendered the frame (data-left), so the hall PC's clock does not matter; a paused turn
// (data-paused) stays frozen. The screen polls with htmx (If-None-Match; 304 while nothing
// changed); the closed meeting's frame has no trigger, so the polling stops.
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    document.querySelectorAll(".countdown-left[data-left]").forEach(function (el) {
      if (!el._loadedAt) el._loadedAt = Date.now();
      var paused = el.hasAttribute("data-paused");
      var left = Number(el.dataset.left) - (paused ? 0 : Math.floor((Date.now() - el._loadedAt) / 1000));
      var abs = Math.abs(left);
      el.textContent = (left < 0 ? "-" : "") + pad(Math.floor(abs / 60)) + ":" + pad(abs % 60);
      el.classList.toggle("warn", left <= 30 && left >= 0);
      el.classList.toggle("over", left < 0);
      el.classList.toggle("paused", paused);
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSettle", tick);
  tick();
})();
