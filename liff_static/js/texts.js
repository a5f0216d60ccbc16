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

// Every piece of Japanese text the shop's staff see in the staff console (staff.html).
export const STAFF_TEXTS = {
  title: "スタッフ画面",
  notStaff: "このページはスタッフ専用です。ご利用には、お店のオーナーにスタッフ登録を依頼してください。",
  roles: { owner: "オーナー", staff: "スタッフ" },
  signedInAs: (role) => `${role}としてログイン中`,
  tabsLabel: "スタッフメニュー",
  tabs: { counter: "レジ", members: "会員", campaign: "配信", dashboard: "集計" },
  failed: "処理できませんでした。通信環境をご確認のうえ、もう一度お試しください。",
  invalid: "入力内容をご確認ください。",
  saving: "保存しています…",
  saved: "保存しました。",
  ownerOnly: "この操作はオーナーのみ行えます。",
  // In the phone's time zone, the one the composer's date and time input is read in.
  dateTime: (iso) => new Date(iso).toLocaleString("ja-JP", { month: "long", day: "numeric", hour: "2-digit", minute: "2-digit" }),
  count: (n) => `${Number(n).toLocaleString("ja-JP")}人`,
  messages: (n) => `${Number(n).toLocaleString("ja-JP")}通`,

  counter: {
    heading: "会員証の読み取り",
    scan: "会員証を読み取る",
    scanHint: "お客さまの会員証のQRコードを読み取ります。",
    scanning: "読み取っています…",
    scanUnavailable: "この端末ではカメラでの読み取りが使えません。会員番号を入力してください。",
    manualHeading: "会員番号で開く",
    memberNo: "会員番号",
    memberNoPlaceholder: "例:000123",
    open: "会員を表示",
    notFound: "この会員番号の会員は見つかりませんでした。番号をご確認ください。",
    memberNoRequired: "会員番号を入力してください。",
    reasons: {
      expired:
        "このQRコードは有効期限が切れています。お客さまに会員証を開き直していただき、もう一度読み取ってください。",
      forged: "このQRコードは正しい会員証ではありません(改ざんされた可能性があります)。",
      malformed: "会員証のQRコードではありません。会員証の画面のQRコードを読み取ってください。",
      unknown_member: "この会員証の会員は見つかりませんでした(退会済みの可能性があります)。",
    },
    reasonFallback: "この会員証は確認できませんでした。",
  },

  member: {
    memberNo: "会員番号",
    rank: "ランク",
    points: "ポイント",
    pointsValue: (points) => `${Number(points || 0).toLocaleString("ja-JP")} pt`,
    status: { guest: "仮会員", registered: "会員", deleted: "退会済み" },
    lastVisit: "最終来店",
    noVisit: "来店記録なし",
    recordVisit: "来店を記録",
    recording: "記録しています…",
    visitRecorded: (points) => (points > 0 ? `来店を記録しました(+${points} pt)。` : "来店を記録しました。"),
    rankUp: (rank) => `ランクが「${rank}」に上がりました。`,
    visitDone: "来店を記録済み",
    visits: "最近の来店",
    visitLine: (visit) => `${STAFF_TEXTS.dateTime(visit.visited_at)}${visit.points_added ? `(+${visit.points_added} pt)` : ""}`,
    coupons: "利用できるクーポン",
    noCoupons: "利用できるクーポンはありません。",
    couponExpires: (date) => `有効期限:${formatDate(date)}まで`,
    redeem: "使用済みにする",
    redeemTitle: "クーポンを使用済みにしますか?",
    redeemBody: (title) => `「${title}」を使用済みにします。元には戻せません。`,
    redeemYes: "使用済みにする",
    redeemNo: "やめる",
    redeeming: "処理しています…",
    redeemed: (title) => `「${title}」を使用済みにしました。`,
    alreadyUsed: "このクーポンはすでに使用済みです。",
    couponExpired: "このクーポンは有効期限が切れています。",
    couponNotFound: "このクーポンは見つかりませんでした。",
    memos: "メモ",
    noMemos: "メモはまだありません。",
    memoKinds: { visit: "来店", call: "電話", consultation: "相談" },
    memoKind: "メモの種類",
    memoText: "メモの内容",
    addMemo: "メモを追加",
    memoAdded: "メモを追加しました。",
    memoRequired: "メモの内容を入力してください。",
    tags: "タグ",
    noTags: "タグはありません。",
    tagsInput: "タグ(スペースまたは読点で区切る)",
    tagsPlaceholder: "例:常連 コーヒー好き",
    saveTags: "タグを保存",
    tagsTooLong: "タグは1つ20文字まで、30個までです。",
    flags: "配信とクレーム対応",
    doNotSend: "配信停止",
    complaintHold: "クレーム対応中",
    reason: "理由",
    reasonRequired: "フラグを付けるときは理由を入力してください。",
    saveFlags: "フラグを保存",
    back: "検索に戻る",
    notFound: "この会員は見つかりませんでした。",
  },

  search: {
    heading: "会員を探す",
    query: "検索",
    placeholder: "会員番号・お名前・フリガナ・電話番号の下4桁・#タグ",
    submit: "検索する",
    none: "該当する会員はいません。",
    found: (n) => `${n}人見つかりました。`,
    searching: "検索しています…",
  },

  campaign: {
    heading: "配信を作成",
    ownerOnly: "配信の作成と送信はオーナーのみ行えます。",
    name: "配信名(お客さまには表示されません)",
    namePlaceholder: "例:12月の誕生月クーポン",
    segmentHeading: "配信する相手",
    birthMonth: "誕生月",
    anyOption: "指定なし",
    month: (m) => `${m}月`,
    tags: "タグ(いずれかを持つ方)",
    tagsPlaceholder: "例:常連 VIP",
    store: "店舗",
    registered: "会員の種類",
    registeredOptions: { any: "指定なし", yes: "本登録の会員のみ", no: "仮会員のみ" },
    ranks: "ランク(いずれか)",
    ranksPlaceholder: "例:ゴールド シルバー",
    noVisitForDays: "この日数以上来店のない方",
    visitedAfter: "この日より後に来店した方",
    counting: "人数を数えています…",
    estimate: (e) => `対象 ${STAFF_TEXTS.count(e.recipients)} ・ 消費 ${STAFF_TEXTS.messages(e.message_cost)}`,
    quotaLeft: (remaining) =>
      remaining === null || remaining === undefined
        ? "今月の上限はありません。"
        : `今月の残り ${STAFF_TEXTS.messages(remaining)}`,
    skipped: (n) => (n > 0 ? `配信停止・ブロックなどで ${STAFF_TEXTS.count(n)}を除きます。` : ""),
    overQuota: "今月の残り通数を超えています。対象を絞り込んでください。",
    estimateFailed: "人数を数えられませんでした。条件をご確認ください。",
    messagesHeading: "メッセージ(最大5件)",
    messageLabel: (n) => `メッセージ ${n}`,
    messageType: "種類",
    types: { text: "テキスト", image: "画像" },
    text: "本文",
    textHint: "{name} はお名前、{member_no} は会員番号に置き換わります。",
    imageUrl: "画像のURL(https://…)",
    addMessage: "メッセージを追加",
    removeMessage: "削除",
    previewHeading: "プレビュー",
    previewNote: "お名前は「山田 花子」、会員番号は「000123」として表示しています。",
    previewName: "山田 花子",
    previewMemberNo: "000123",
    whenHeading: "送信日時",
    now: "今すぐ送る",
    later: "日時を指定する",
    sendAt: "送信する日時",
    review: "内容を確認する",
    confirmTitle: "この内容で配信しますか?",
    confirmBody: (count, cost) => `${STAFF_TEXTS.count(count)}に配信します。消費通数は ${STAFF_TEXTS.messages(cost)}です。`,
    confirmWhen: (when) => (when ? `送信日時:${STAFF_TEXTS.dateTime(when)}` : "送信日時:今すぐ(1分以内に開始)"),
    confirmYes: "配信する",
    confirmNo: "戻る",
    sending: "配信を登録しています…",
    problems: {
      nameRequired: "配信名を入力してください。",
      textRequired: "本文を入力してください。",
      imageUrl: "画像のURLは https:// から始まるものを入力してください。",
      sendAtRequired: "送信する日時を入力してください。",
      noRecipients: "対象の方がいません。条件を変えてください。",
    },
  },

  progress: {
    heading: "配信の状況",
    status: {
      draft: "開始を待っています",
      planned: "準備中",
      sending: "送信中",
      paused: "一時停止(今月の上限に達しました)",
      done: "配信が完了しました",
      failed: "配信できませんでした",
      cancelled: "取り消しました",
    },
    scheduled: (when) => `${STAFF_TEXTS.dateTime(when)}に配信を予約しました。`,
    refresh: "状況を更新",
    counts: (p) => `送信 ${p.sent} ・ 失敗 ${p.failed} ・ 対象外 ${p.skipped_by_flag}`,
    barLabel: "配信の進み具合",
    result: "配信の結果",
    planned: "配信対象",
    sent: "送信",
    failed: "失敗",
    skipped: "対象外(配信停止・ブロックなど)",
    blocks: "配信後7日以内のブロック",
    another: "新しい配信を作成",
  },

  dashboard: {
    heading: "集計",
    days: (n) => `直近${n}日間`,
    friendsAdded: "友だち追加",
    blocks: "ブロック",
    registrations: "会員登録",
    perDay: "1日あたりの人数",
    chartLabel: (title, total, days) => `${title}:直近${days}日間で合計${total}人`,
    totals: "現在の人数",
    friends: "友だち",
    members: "会員",
    blocked: "ブロック中",
    birthdays: "今月お誕生日の会員",
    quota: "今月のメッセージ通数",
    quotaUsed: (used) => `使用 ${STAFF_TEXTS.messages(used)}`,
    quotaRemaining: (remaining) =>
      remaining === null || remaining === undefined ? "上限なし" : `残り ${STAFF_TEXTS.messages(remaining)}`,
    quotaLabel: (used, limit) =>
      limit === null || limit === undefined
        ? `今月 ${used}通を使用(上限なし)`
        : `今月 ${limit}通のうち ${used}通を使用`,
    quotaUnavailable: "LINEから通数を取得できませんでした。しばらくしてから開き直してください。",
    recentCampaigns: "最近の配信",
    noCampaigns: "まだ配信はありません。",
    campaignLine: (c) => `送信 ${c.sent} / 対象 ${c.planned} ・ ブロック ${c.blocks_within_7_days}`,
  },
};
