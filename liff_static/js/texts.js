// Every piece of Japanese text the customer sees, in one place.
export const TEXTS = {
  loading: "読み込み中です…",
  greeting: (name) => `${name}さん、こんにちは`,
  openInLine: "このページはLINEアプリから開いてください。",
  loadFailed: "読み込みに失敗しました。通信環境をご確認のうえ、もう一度お試しください。",
};
