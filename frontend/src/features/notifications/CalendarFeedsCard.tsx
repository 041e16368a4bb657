// The deadline calendar a person subscribes to from Google Calendar, Outlook or a phone. The URL holds the
// secret (calendar apps fetch without signing in), so the server shows it once, at creation or regeneration;
// afterwards only its first characters identify it.
import { CalendarOutlined, CopyOutlined, DeleteOutlined, ReloadOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Form, Input, List, Popconfirm, Segmented, Skeleton, Space, Tag, Typography } from "antd";
import { useState } from "react";
import { allItems, api, call, PAGE_MAX } from "../../api/client";
import type { CalendarFeed, CalendarFeedCreated } from "../../api/types";
import { useMe } from "../auth/AuthProvider";
import { hasAny } from "../auth/roles";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useT } from "../../i18n/lang";
import { notificationKeys } from "./api";
import { formatDate, formatDateTime } from "../../lib/deadline";

function FreshUrl({ feed, regenerated }: { feed: CalendarFeedCreated; regenerated: boolean }) {
  const t = useT();
  const { message } = App.useApp();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(feed.url);
      message.success(t("Đã sao chép đường dẫn.", "Link copied."));
    } catch {
      message.warning(t("Không sao chép được; hãy chọn đường dẫn và sao chép bằng tay.", "Could not copy; select the link and copy it by hand."));
    }
  };
  return (
    <Alert className="mb" type="success" showIcon
      title={regenerated ? t("Đường dẫn mới đã được tạo; đường dẫn cũ đã ngừng hoạt động.", "A new link was made; the old one no longer works.")
        : t("Đã tạo đường dẫn lịch.", "Calendar link created.")}
      description={
        <>
          <label htmlFor="calendar-url" className="muted small">{t("Đường dẫn đăng ký lịch (chỉ hiện lần này):", "Subscription link (shown this once):")}</label>
          <div className="calendar-url">
            <Input id="calendar-url" readOnly value={feed.url} onFocus={(e) => e.currentTarget.select()} />
            <Button icon={<CopyOutlined />} onClick={copy}>{t("Sao chép", "Copy")}</Button>
          </div>
          <Space wrap className="mt-small">
            <Button type="primary" icon={<CalendarOutlined />} href={feed.webcal_url}>
              {t("Mở trong ứng dụng lịch", "Open in the calendar app")}
            </Button>
          </Space>
          <div className="muted small mt-small">
            {t("Ai có đường dẫn này đều xem được các hạn nộp; đừng đăng công khai. Lỡ để lộ thì bấm \"Tạo lại đường dẫn\".",
              "Anyone with this link sees the deadlines; do not post it publicly. If it leaks, press \"New link\".")}
          </div>
        </>
      } />
  );
}

export function CalendarFeedsCard() {
  const t = useT();
  const me = useMe();
  const client = useQueryClient();
  const { message } = App.useApp();
  const manager = hasAny(me, ["principal", "authority_admin"]);
  const [fresh, setFresh] = useState<{ feed: CalendarFeedCreated; regenerated: boolean } | null>(null);
  const [form] = Form.useForm<{ name?: string; scope: "user" | "unit" }>();
  const feeds = useQuery({
    queryKey: notificationKeys.calendarFeeds(),
    queryFn: () => allItems((offset) => api.GET("/api/notifications/calendar-feeds", { params: { query: { limit: PAGE_MAX, offset } } })),
  });
  const refresh = () => client.invalidateQueries({ queryKey: notificationKeys.calendarFeeds() });
  const create = useMutation({
    mutationFn: (v: { name?: string; scope: "user" | "unit" }) =>
      call(api.POST("/api/notifications/calendar-feeds", { body: { name: v.name?.trim() || null, scope: v.scope } })),
    onSuccess: (feed) => {
      setFresh({ feed, regenerated: false });
      form.resetFields();
    },
    onSettled: refresh,
  });
  const regenerate = useMutation({
    mutationFn: (feedId: string) => call(api.POST("/api/notifications/calendar-feeds/{feed_id}/regenerate", { params: { path: { feed_id: feedId } } })),
    onSuccess: (feed) => setFresh({ feed, regenerated: true }),
    onSettled: refresh,
  });
  const revoke = useMutation({
    mutationFn: (feedId: string) => call(api.DELETE("/api/notifications/calendar-feeds/{feed_id}", { params: { path: { feed_id: feedId } } })),
    onSuccess: (_, feedId) => {
      if (fresh?.feed.id === feedId) setFresh(null);
      message.success(t("Đã thu hồi đường dẫn lịch.", "Calendar link revoked."));
    },
    onSettled: refresh,
  });
  const error = create.error ?? regenerate.error ?? revoke.error ?? feeds.error;

  const scopeLabel = (feed: CalendarFeed) => feed.scope === "unit" ? t("Chung của đơn vị", "Whole unit") : t("Của riêng tôi", "Mine");
  return (
    <Card className="mb" title={<span><CalendarOutlined /> {t("Lịch hạn nộp (ICS)", "Deadline calendar (ICS)")}</span>}>
      <Typography.Paragraph>
        {t("Đưa các hạn nộp báo cáo vào lịch bạn vẫn dùng — Google Calendar, Outlook hay lịch trên điện thoại. Lịch tự cập nhật khi hạn nộp thay đổi, được gia hạn hay báo cáo bị trả lại (hạn nộp lại), và nhắc trước 1 ngày và 2 giờ.",
          "Put report deadlines into the calendar you already use — Google Calendar, Outlook or your phone's calendar. It updates itself when a deadline moves, is extended or a report is returned (resubmission deadline), and reminds you a day and two hours before.")}
      </Typography.Paragraph>
      <Typography.Paragraph type="secondary" className="small">
        {t("Cách thêm: Google Calendar → Lịch khác → Từ URL; Outlook → Thêm lịch → Đăng ký từ web; iPhone, Android → bấm \"Mở trong ứng dụng lịch\".",
          "How: Google Calendar → Other calendars → From URL; Outlook → Add calendar → Subscribe from web; iPhone, Android → press \"Open in the calendar app\".")}
      </Typography.Paragraph>
      {error ? <div className="mb"><ProblemAlert error={error} /></div> : null}
      {fresh && <FreshUrl feed={fresh.feed} regenerated={fresh.regenerated} />}
      <Form form={form} layout="inline" className="mb calendar-form" initialValues={{ scope: "user" }}
        onFinish={(v) => create.mutate({ ...v, scope: manager ? v.scope : "user" })}>
        <Form.Item name="name" label={t("Tên gợi nhớ", "Name")}>
          <Input maxLength={100} placeholder={t("Ví dụ: Điện thoại của tôi", "e.g. My phone")} />
        </Form.Item>
        {manager && (
          <Form.Item name="scope" label={t("Lịch của", "Calendar of")}>
            <Segmented options={[{ value: "user", label: t("Riêng tôi", "Me") }, { value: "unit", label: t("Cả đơn vị", "Whole unit") }]} />
          </Form.Item>
        )}
        <Form.Item>
          <Button type="primary" htmlType="submit" loading={create.isPending}>{t("Tạo đường dẫn lịch", "Create calendar link")}</Button>
        </Form.Item>
      </Form>
      {feeds.isPending ? <Skeleton active paragraph={{ rows: 2 }} title={false} /> : (
        <List className="calendar-feeds" size="small" dataSource={feeds.data ?? []}
          locale={{ emptyText: t("Chưa có đường dẫn lịch nào.", "No calendar links yet.") }}
          renderItem={(feed) => (
            <List.Item actions={[
              <Popconfirm key="regenerate" title={t("Tạo lại đường dẫn?", "Make a new link?")}
                description={t("Đường dẫn cũ sẽ ngừng hoạt động ngay; lịch đã đăng ký bằng nó phải đăng ký lại bằng đường dẫn mới.",
                  "The old link stops working at once; calendars subscribed with it must subscribe again with the new one.")}
                okText={t("Tạo lại", "Make new")} cancelText={t("Huỷ", "Cancel")} onConfirm={() => regenerate.mutate(feed.id)}>
                <Button size="small" icon={<ReloadOutlined />} loading={regenerate.isPending && regenerate.variables === feed.id}>
                  {t("Tạo lại đường dẫn", "New link")}
                </Button>
              </Popconfirm>,
              <Popconfirm key="revoke" title={t("Thu hồi đường dẫn?", "Revoke the link?")}
                description={t("Đường dẫn sẽ ngừng hoạt động; lịch đã đăng ký sẽ không còn cập nhật.", "The link stops working; subscribed calendars stop updating.")}
                okText={t("Thu hồi", "Revoke")} okButtonProps={{ danger: true }} cancelText={t("Huỷ", "Cancel")} onConfirm={() => revoke.mutate(feed.id)}>
                <Button size="small" danger icon={<DeleteOutlined />} loading={revoke.isPending && revoke.variables === feed.id}>
                  {t("Thu hồi", "Revoke")}
                </Button>
              </Popconfirm>,
            ]}>
              <List.Item.Meta
                title={<span>{feed.name || t("Lịch hạn nộp", "Deadline calendar")} <Tag>{scopeLabel(feed)}</Tag></span>}
                description={
                  <span className="small">
                    {t("Mã bắt đầu bằng", "Key starts with")} <code>{feed.token_hint}…</code>
                    {" · "}{t("tạo ngày", "made on")} {formatDate(feed.created_at)}
                    {" · "}{feed.last_used_at ? `${t("lịch đọc lần cuối", "last read")} ${formatDateTime(feed.last_used_at)}` : t("chưa có lịch nào đọc", "not read yet")}
                  </span>
                } />
            </List.Item>
          )} />
      )}
    </Card>
  );
}
