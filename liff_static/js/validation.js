// The registration form's checks, run in the page before anything is sent. Each rule mirrors one in
// layers/shared/daifuku/models/registration.py and domain/registration.py, and returns the same code
// the server would (texts.js turns codes into Japanese); tests/unit/test_registration_validation.py
// runs both over the same table of cases.

const NAME_MAX_LENGTH = 40;
const EMAIL_MAX_LENGTH = 254;
const TEXT_MAX_LENGTH = 100;
const EARLIEST_DATE = "1900-01-01";

const MOBILE_OR_IP_PHONE = /^0[5789]0\d{8}$/;
const LANDLINE_PHONE = /^0(?![5789]0)[1-9]\d{8}$/;
const PHONE_SEPARATORS = /[\s\-‐‑‒–—―−ーｰ()]/g;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const EMAIL = /^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$/;
const KATAKANA_NAME = /^[ァ-ヺー・ 　]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

const DECIMAL_DIGIT = /\p{Nd}/u;

/** Every Unicode decimal digit (Arabic-Indic, Devanagari…, which NFKC leaves) as its ASCII digit, as
 * the server's ascii_digits does. Unicode keeps each script's digits 0-9 in one run of ten code points. */
function asciiDigits(text) {
  return Array.from(text, (c) => {
    if (c < "\u0080" || !DECIMAL_DIGIT.test(c)) return c;
    let zero = c.codePointAt(0);
    while (DECIMAL_DIGIT.test(String.fromCodePoint(zero - 1))) zero -= 1;
    return String((c.codePointAt(0) - zero) % 10);
  }).join("");
}

/** Digits only, as the server stores it; null when not a Japanese mobile, IP or landline number. */
export function normalisePhone(raw) {
  let text = asciiDigits(raw.normalize("NFKC")).replace(PHONE_SEPARATORS, "");
  if (text.startsWith("+81")) text = "0" + text.slice(3).replace(/^0/, "");
  return MOBILE_OR_IP_PHONE.test(text) || LANDLINE_PHONE.test(text) ? text : null;
}

/** Full-width katakana (hiragana and half-width kana converted); null when other characters remain. */
export function normaliseKana(raw) {
  const text = Array.from(raw.normalize("NFKC").trim(), (c) =>
    c >= "ぁ" && c <= "ゖ" ? String.fromCharCode(c.charCodeAt(0) + 0x60) : c,
  ).join("");
  return KATAKANA_NAME.test(text) ? text : null;
}

function isRealDate(text) {
  if (!ISO_DATE.test(text)) return false;
  const [year, month, day] = text.split("-").map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function lengthOf(text) {
  // Count characters as Python does (code points), not UTF-16 units.
  return Array.from(text).length;
}

/**
 * The problem code for one field's value, or null when it is fine.
 * `field` is one entry of the API's form definition: {name, kind, required, max_length, min_date, max_date, choices}.
 */
export function checkField(field, rawValue) {
  const value = typeof rawValue === "string" ? rawValue.trim() : rawValue;
  if (value === undefined || value === null || value === "") return field.required ? "required" : null;
  if (typeof value !== "string") return field.kind === "date" ? "invalid_date" : "invalid_text";
  switch (field.kind) {
    case "tel":
      return normalisePhone(value) === null ? "invalid_phone" : null;
    case "kana":
      if (lengthOf(value) > NAME_MAX_LENGTH) return "too_long";
      return normaliseKana(value) === null ? "invalid_kana" : null;
    case "email":
      if (lengthOf(value) > EMAIL_MAX_LENGTH) return "too_long";
      return EMAIL.test(value) ? null : "invalid_email";
    case "date":
      if (!isRealDate(value)) return "invalid_date";
      if (value < (field.min_date || EARLIEST_DATE)) return "too_old";
      if (field.max_date && value > field.max_date) return "future_date";
      return null;
    case "select":
      return field.choices.some((choice) => choice.value === value) ? null : "invalid_choice";
    default: {
      const max = field.max_length || (field.name === "name" ? NAME_MAX_LENGTH : TEXT_MAX_LENGTH);
      if (lengthOf(value) > max) return "too_long";
      return CONTROL_CHARACTERS.test(value) ? "invalid_text" : null;
    }
  }
}

/** Every problem in the form, as {field: code}; an empty object when it can be sent. */
export function checkForm(fields, values) {
  const problems = {};
  for (const field of fields) {
    const code = checkField(field, values[field.name]);
    if (code) problems[field.name] = code;
  }
  return problems;
}
