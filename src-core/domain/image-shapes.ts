/**
 * The thesis's image shapes and alphabet (SPEC §1–§3, §9): what data and models both
 * mean by a captcha tile or a face. Here, below both, so a dataset import never loads
 * TensorFlow.js to learn a constant.
 */

/** SPEC §1: digits 2–9 and A–Z without I and O. */
export const CAPTCHA_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const CAPTCHA_CLASSES = CAPTCHA_ALPHABET.length; // 32
/** One character tile of a 20×80 captcha cut into four: 20×20×1. */
export const TILE = 20;
/** Face images are RGB. */
export const FACE_CHANNELS = 3;
