/*
 * The password checklist, ticked as the person types (templates/forms/new_password.html).
 * Progressive enhancement: without this file the rules are plain sentences and the server
 * checks every one on submission. Only the rules the browser can judge are ticked here
 * (data-rule = length, classes, personal); "server" rules (common, breached, guessable) stay
 * as they are. The comparisons mirror accounts/passwords.py.
 */
(function () {
  "use strict";

  var MIN_PERSONAL_PART = 3;
  var REQUIRED_CLASSES = 3;

  function fold(text) {
    return text
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[\s_\u2010-\u2015]+/g, "-")
      .replace(/[^a-z-]/g, "")
      .replace(/-+/g, "-")
      .replace(/^-+|-+$/g, "");
  }

  function personalParts(values) {
    var parts = [];
    values.forEach(function (value) {
      var pieces = fold(value.replace(/\./g, " ")).split("-").concat([fold(value)]);
      pieces.forEach(function (piece) {
        if (piece.length >= MIN_PERSONAL_PART) {
          parts.push(piece);
        }
      });
    });
    return parts;
  }

  function characterClasses(password) {
    return [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{L}\p{N}]/u].filter(function (pattern) {
      return pattern.test(password);
    }).length;
  }

  function containsPersonal(password, parts) {
    var folded = fold(password.replace(/\./g, "-"));
    var squashed = folded.replace(/-/g, "");
    return parts.some(function (part) {
      return folded.indexOf(part) !== -1 || squashed.indexOf(part.replace(/-/g, "")) !== -1;
    });
  }

  function checks(rule, password, parts) {
    switch (rule.getAttribute("data-rule")) {
      case "length":
        return Array.from(password).length >= Number(rule.getAttribute("data-min-length") || 12);
      case "classes":
        return characterClasses(password) >= REQUIRED_CLASSES;
      case "personal":
        return password.length > 0 && !containsPersonal(password, parts);
      default:
        return null;
    }
  }

  function tick(rules, password, parts) {
    rules.forEach(function (rule) {
      var ok = checks(rule, password, parts);
      if (ok === null) {
        return;
      }
      rule.classList.toggle("fr-message--valid", ok);
      rule.classList.toggle("fr-message--info", !ok);
    });
  }

  function enhance(intro) {
    var field = intro.closest(".fr-password");
    var input = field && field.querySelector("input.fr-password__input, input[type=password]");
    if (!input) {
      return;
    }
    var group = intro.parentNode;
    var rules = Array.prototype.slice.call(group.querySelectorAll("[data-rule]"));
    var parts = personalParts((intro.getAttribute("data-personal") || "").split(" "));
    var update = function () {
      tick(rules, input.value, parts);
    };
    input.addEventListener("input", update);
    if (input.value) {
      update();
    }
  }

  function start() {
    document.querySelectorAll("[data-password-rules]").forEach(enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
