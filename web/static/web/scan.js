// The scan page: read a QR code from the camera or a photo with jsQR, then submit the decoded
// text through the typed-identifier form, so every route ends at the same server lookup.
(function () {
  "use strict";
  var scanner = document.querySelector("[data-scanner]");
  var form = document.querySelector("[data-lookup-form]");
  if (!scanner || !form || typeof jsQR !== "function") { return; }

  var startButton = scanner.querySelector("[data-camera-start]");
  var stopButton = scanner.querySelector("[data-camera-stop]");
  var video = scanner.querySelector("[data-camera-video]");
  var canvas = scanner.querySelector("[data-scan-canvas]");
  var cameraStatus = scanner.querySelector("[data-scan-status]");
  var photoInput = document.querySelector("[data-photo-input]");
  var photoStatus = document.querySelector("[data-photo-status]");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var submitted = false;
  // Large frames only slow decoding down; a QR code filling part of a 640 px frame reads well.
  var MAX_SIDE = 800;

  function message(name) { return scanner.getAttribute("data-msg-" + name) || ""; }

  function say(element, text) { element.textContent = text; }

  function submitCode(text) {
    if (submitted) { return; }
    submitted = true;
    form.elements.code.value = text;
    form.submit();
  }

  // Draws a frame or picture scaled down to MAX_SIDE and asks jsQR for a code in it.
  function decode(source, width, height, attempts) {
    var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var code = jsQR(image.data, image.width, image.height, { inversionAttempts: attempts });
    return code && code.data ? code.data : null;
  }

  function stopCamera() {
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
    video.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
  }

  function scanFrame() {
    if (!stream) { return; }
    if (video.readyState >= video.HAVE_ENOUGH_DATA && video.videoWidth) {
      var text = decode(video, video.videoWidth, video.videoHeight, "dontInvert");
      if (text) {
        say(cameraStatus, message("found"));
        stopCamera();
        submitCode(text);
        return;
      }
    }
    window.requestAnimationFrame(scanFrame);
  }

  function cameraFailed(error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") {
      say(cameraStatus, message("denied"));
    } else if (name === "NotFoundError" || name === "OverconstrainedError") {
      say(cameraStatus, message("missing"));
    } else {
      say(cameraStatus, message("failed"));
    }
    stopCamera();
  }

  startButton.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(cameraStatus, message("unsupported"));
      return;
    }
    say(cameraStatus, message("asking"));
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (opened) {
        stream = opened;
        video.srcObject = stream;
        video.hidden = false;
        startButton.hidden = true;
        stopButton.hidden = false;
        say(cameraStatus, message("looking"));
        return video.play().then(function () { window.requestAnimationFrame(scanFrame); });
      })
      .catch(cameraFailed);
  });

  stopButton.addEventListener("click", function () {
    stopCamera();
    say(cameraStatus, message("stopped"));
  });

  window.addEventListener("pagehide", stopCamera);

  // Photos: decoded here, trying inverted (light-on-dark) codes too since there is no hurry.
  function decodePicture(picture, width, height) {
    var text = decode(picture, width, height, "attemptBoth");
    if (text) {
      say(photoStatus, message("found"));
      submitCode(text);
    } else {
      say(photoStatus, message("photo-none"));
    }
  }

  function readWithImageElement(file) {
    var reader = new FileReader();
    reader.onload = function () {
      var image = new Image();
      image.onload = function () { decodePicture(image, image.naturalWidth, image.naturalHeight); };
      image.onerror = function () { say(photoStatus, message("photo-bad")); };
      image.src = reader.result;
    };
    reader.onerror = function () { say(photoStatus, message("photo-bad")); };
    reader.readAsDataURL(file);
  }

  if (photoInput) {
    photoInput.addEventListener("change", function () {
      var file = photoInput.files && photoInput.files[0];
      if (!file) { return; }
      say(photoStatus, message("photo-reading"));
      if (window.createImageBitmap) {
        window.createImageBitmap(file)
          .then(function (bitmap) { decodePicture(bitmap, bitmap.width, bitmap.height); })
          .catch(function () { readWithImageElement(file); });
      } else {
        readWithImageElement(file);
      }
    });
  }
})();
