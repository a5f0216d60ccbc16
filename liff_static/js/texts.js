// Every piece of Japanese text the customer sees, in one place.
export const TEXTS = {
  loading: "読み込み中です…",
  greeting: (name) => `${name}さん、こんにちは`,
  openInLine: "このページはLINEアプリから開いてください。",
  loadFailed: "読み込みに失敗しました。通信環境をご確認のうえ、もう一度お試しください。",
  sessionExpired: "ログインの有効期限が切れました。LINEからこのページを開き直してください。",
  busy: "ただいま混み合っています。少し時間をおいてから、もう一度お試しください。",
  retry: "もう一度読み込む",

  nav: {
    card: "会員証",
    register: "会員登録",
    profile: "登録情報",
  },

  fields: {
    name: "お名前",
    name_kana: "フリガナ",
    birthdate: "生年月日",
    phone: "電話番号",
    store_id: "よくご利用になる店舗",
    gender: "性別",
    email: "メールアドレス",
  },
  placeholders: {
    name: "例:山田 花子",
    name_kana: "例:ヤマダ ハナコ",
    phone: "例:090-1234-5678",
    email: "例:hanako@example.com",
  },
  hints: {
    phone: "ハイフンはあってもなくてもかまいません。",
    name_kana: "カタカナ・ひらがなどちらでも入力できます。",
  },
  genders: {
    female: "女性",
    male: "男性",
    other: "その他",
    unspecified: "回答しない",
  },
  requiredMark: "必須",
  optionalMark: "任意",
  selectPrompt: "選択してください",

  // Field-level problems, by the code the page and the server share (js/validation.js).
  fieldErrors: {
    required: "入力してください。",
    too_long: "文字数が多すぎます。短くしてください。",
    invalid_text: "使用できない文字が含まれています。",
    invalid_phone: "電話番号の形式をご確認ください(例:090-1234-5678、03-1234-5678)。",
    invalid_date: "正しい日付を入力してください。",
    future_date: "未来の日付は入力できません。",
    too_old: "1900年1月1日以降の日付を入力してください。",
    invalid_kana: "カタカナ(またはひらがな)で入力してください。",
    invalid_email: "メールアドレスの形式をご確認ください。",
    invalid_choice: "選択肢の中から選んでください。",
    unknown_field: "この項目は受け付けていません。",
  },
  fieldErrorFallback: "入力内容をご確認ください。",
  formHasErrors: "入力内容に誤りがあります。赤字の項目をご確認ください。",

  register: {
    title: "会員登録",
    lead: "ご登録いただくと、お誕生月のクーポンなどの特典をお届けします。",
    leadGuest: (memberNo) =>
      `会員番号 ${memberNo} はそのままお使いいただけます。登録すると、お誕生月のクーポンなどの特典が受けられます。`,
    leadRegistered: "ご登録済みです。内容を変更する場合は、修正して送信してください。",
    submit: "登録する",
    submitting: "送信しています…",
    failed: "登録できませんでした。通信環境をご確認のうえ、もう一度お試しください。",
    legacyClaimed: (memberNo) => `以前の会員番号 ${memberNo} を引き継ぎました。`,
  },

  card: {
    title: "会員証",
    memberNo: "会員番号",
    qrLabel: "会員証のQRコード。30秒ごとに新しくなります。",
    barcodeLabel: (memberNo) => `会員番号 ${memberNo} のバーコード`,
    qrNote: "お会計の際にこの画面をご提示ください。QRコードは30秒ごとに自動で更新されるため、スクリーンショットではご利用いただけません。",
    tokenStale: "QRコードを更新できませんでした。通信環境をご確認ください。",
    statusGuest: "仮会員",
    statusRegistered: "会員",
    points: "ポイント",
    pointsValue: (points) => `${points.toLocaleString("ja-JP")} pt`,
    rank: "ランク",
    coupons: "クーポン",
    couponExpires: (date) => `有効期限:${formatDate(date)}まで`,
    couponUsed: "使用済み",
    guestNotice: "会員登録をすると、お誕生月のクーポンなどの特典が受けられます。",
    registerLink: "会員登録する(1分で完了)",
    profileLink: "登録情報の確認・変更",
  },

  profile: {
    title: "登録情報",
    edit: "登録情報を変更する",
    save: "保存する",
    saving: "保存しています…",
    cancel: "やめる",
    saved: "登録情報を保存しました。",
    notRegistered: "まだ会員登録されていません。",
    registerLink: "会員登録はこちら",
    notGiven: "未登録",
    deleteHeading: "登録情報の削除",
    deleteLead: "お名前・生年月日・電話番号などのご登録内容とクーポンを、すべて削除します。",
    deleteButton: "登録情報を削除する",
    deleteConfirmTitle: "本当に削除しますか?",
    deleteConfirmBody:
      "削除すると元に戻せません。会員番号は無効になり、再発行されません。保有中のクーポンも使えなくなります。",
    deleteConfirm: "削除する",
    deleteCancel: "削除しない",
    deleting: "削除しています…",
    deleted: "登録情報を削除しました。これまでのご利用、ありがとうございました。",
    deleteFailed: "削除できませんでした。通信環境をご確認のうえ、もう一度お試しください。",
  },
};

/** 2025-04-01 → 2025年4月1日 */
export function formatDate(isoDate) {
  const [year, month, day] = isoDate.split("-").map(Number);
  return `${year}年${month}月${day}日`;
}

/** The Japanese label of a form field: the shop's own for its custom fields, ours for the rest. */
export function fieldLabel(field) {
  return field.label || TEXTS.fields[field.name] || field.name;
}

/** The Japanese label of a select choice: gender codes are ours, the rest are the shop's words. */
export function choiceLabel(field, choice) {
  if (field.name === "gender") return TEXTS.genders[choice.value] || choice.value;
  return choice.label || choice.value;
}

export function fieldError(code) {
  return TEXTS.fieldErrors[code] || TEXTS.fieldErrorFallback;
}
