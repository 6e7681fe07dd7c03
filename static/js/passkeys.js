/*
 * Passkeys (WebAuthn) in the browser, with no framework: Mon compte's "Ajouter une clé
 * d'accès" (form[data-passkey-register]), the login's "Se connecter avec une clé d'accès"
 * and the staff second factor ([data-passkey-login]). Progressive enhancement: the passkey
 * parts stay hidden where the browser has no WebAuthn; the password paths never need this file.
 *
 * The server (passkeys/views.py) gives the options as JSON with base64url strings and checks
 * the answer; this file only turns base64url into bytes and back, calls
 * navigator.credentials, and follows the address the server answers with. Each POST carries
 * the page's CSRF token in X-CSRFToken.
 */
(function () {
  "use strict";

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) {
      binary += String.fromCharCode(bytes[i]);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: body === undefined ? "{}" : JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(
        function (data) {
          if (!response.ok) {
            throw new ServerError(data.error || "");
          }
          return data;
        },
        function () {
          throw new ServerError("");
        }
      );
    });
  }

  function ServerError(message) {
    this.message = message;
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return {type: item.type, id: toBytes(item.id), transports: item.transports};
    });
  }

  function creationOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    return options;
  }

  function requestOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    return options;
  }

  function registrationJSON(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toBase64url(response.clientDataJSON),
        attestationObject: toBase64url(response.attestationObject),
        transports: response.getTransports ? response.getTransports() : [],
      },
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
    };
  }

  function authenticationJSON(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toBase64url(response.clientDataJSON),
        authenticatorData: toBase64url(response.authenticatorData),
        signature: toBase64url(response.signature),
        userHandle: response.userHandle ? toBase64url(response.userHandle) : undefined,
      },
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
    };
  }

  function showError(container, message) {
    var alert = container.querySelector("[data-passkey-error]") ||
      document.querySelector("[data-passkey-error]");
    if (!alert) {
      return;
    }
    alert.querySelector("p").textContent = message;
    alert.hidden = false;
  }

  function messageOf(error, fallback) {
    return error instanceof ServerError && error.message ? error.message : fallback;
  }

  var supported = typeof window.PublicKeyCredential === "function" &&
    !!navigator.credentials && window.isSecureContext;

  /* Mon compte: create a passkey, then send it with the name typed. */
  function setUpRegistration(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!supported) {
        showError(document, form.dataset.unsupported);
        return;
      }
      var button = form.querySelector("[type=submit]");
      var nameInput = form.querySelector("input[name=name]");
      button.disabled = true;
      post(form.dataset.optionsUrl)
        .then(function (options) {
          return navigator.credentials.create({publicKey: creationOptions(options)});
        })
        .then(function (credential) {
          return post(form.action, {
            name: nameInput ? nameInput.value : "",
            credential: registrationJSON(credential),
          });
        })
        .then(function (data) {
          window.location.assign(data.redirect);
        })
        .catch(function (error) {
          button.disabled = false;
          showError(document, messageOf(error, form.dataset.cancelled));
        });
    });
  }

  /* Login or second factor: the button, and the autofill (conditional UI) at login. */
  function setUpLogin(container) {
    if (!supported) {
      return;
    }
    container.hidden = false;
    var button = container.querySelector("[data-passkey-button]");
    var pending = null; // the AbortController of a waiting conditional request

    function authenticate(mediation) {
      if (pending) {
        pending.abort();
        pending = null;
      }
      var controller = new AbortController();
      if (mediation === "conditional") {
        pending = controller;
      }
      return post(container.dataset.optionsUrl)
        .then(function (options) {
          var request = {publicKey: requestOptions(options), signal: controller.signal};
          if (mediation) {
            request.mediation = mediation;
          }
          return navigator.credentials.get(request);
        })
        .then(function (credential) {
          return post(container.dataset.verifyUrl, authenticationJSON(credential));
        })
        .then(function (data) {
          window.location.assign(data.redirect);
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") {
            return; // replaced by a newer request (the button after the autofill)
          }
          showError(container, messageOf(error, container.dataset.cancelled));
        });
    }

    button.addEventListener("click", function () {
      authenticate(null);
    });

    var autofill = document.querySelector("input[autocomplete~=webauthn]");
    if (autofill && PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
        if (available) {
          authenticate("conditional");
        }
      });
    }
  }

  document.querySelectorAll("form[data-passkey-register]").forEach(setUpRegistration);
  document.querySelectorAll("[data-passkey-login]").forEach(setUpLogin);
})();
