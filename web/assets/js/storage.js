// Web storage that never throws. A browser set to block site data throws on every use of
// localStorage and sessionStorage (and a full one on every write); the client then works
// without what they would keep — a draft or a login does not survive a reload, the language is
// not remembered — instead of stopping. (early.js, which imports nothing, has its own guard.)

/** The text kept under `key` in `area` ("localStorage" or "sessionStorage"), or null. */
export function readStored(area, key) {
  try {
    return window[area].getItem(key);
  } catch {
    return null;
  }
}

/** The JSON value kept under `key` in `area`, or null (also when it does not parse). */
export function readStoredJson(area, key) {
  try {
    return JSON.parse(window[area].getItem(key));
  } catch {
    return null;
  }
}

/** Keeps `value` under `key` in `area` if the browser lets us. */
export function writeStored(area, key, value) {
  try {
    window[area].setItem(key, value);
  } catch {
    // Not kept: the page goes on with what it holds in memory.
  }
}

/** Forgets `key` in `area` if the browser lets us. */
export function removeStored(area, key) {
  try {
    window[area].removeItem(key);
  } catch {
    // Nothing could have been kept.
  }
}
