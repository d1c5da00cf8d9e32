// Fills an empty time-zone field (marked data-browser-time-zone) with the browser's own zone; the person
// can still change it. A static file rather than an inline script, so pages keep a strict CSP.
(function () {
  "use strict";
  var field = document.querySelector("input[data-browser-time-zone]");
  if (!field || field.value) {
    return;
  }
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone) {
      field.value = zone;
    }
  } catch (error) {
    // No Intl time zones in this browser: the person picks from the list.
  }
})();
