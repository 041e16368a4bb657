// Which kinds of e-mail the person receives. The in-app feed always has everything; reminders of one's own
// unit's deadlines cannot be turned off (the server says which with `mutable`).
import { MailOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Card, List, Skeleton, Switch, Typography } from "antd";
import { api, call } from "../../api/client";
import type { NotificationCategory } from "../../api/types";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useLang, useT } from "../../i18n/lang";
import { notificationKeys } from "./api";

// The server words each category in Vietnamese; these are the English words for the switch.
const CATEGORY_EN: Record<NotificationCategory, string> = {
  deadline_reminders: "Reminders of my unit's deadlines (cannot be turned off)",
  campaign_published: "New campaigns",
  submission_updates: "Report returned or approved",
  results: "Results published",
  escalations: "Units below mine that are overdue",
  reviewer_digest: "Daily summary for reviewers",
  integrations: "A webhook of my unit was turned off automatically (cannot be turned off)",
};

export function NotificationPreferencesCard() {
  const t = useT();
  const { lang } = useLang();
  const client = useQueryClient();
  const preferences = useQuery({
    queryKey: notificationKeys.preferences(),
    queryFn: () => call(api.GET("/api/notifications/preferences/me")),
  });
  const update = useMutation({
    mutationFn: ({ category, email }: { category: NotificationCategory; email: boolean }) =>
      call(api.PUT("/api/notifications/preferences/me", { body: { email: { [category]: email } } })),
    onSuccess: (data) => client.setQueryData(notificationKeys.preferences(), data),
  });
  return (
    <Card className="mb" title={<span><MailOutlined /> {t("Nhận thông báo qua e-mail", "E-mail notifications")}</span>}>
      <Typography.Paragraph type="secondary" className="small">
        {t("Chuông thông báo trong ứng dụng luôn nhận đủ mọi loại; ở đây chọn loại nào gửi thêm qua e-mail.",
          "The bell in the app always gets everything; choose here which kinds are also sent by e-mail.")}
      </Typography.Paragraph>
      {update.error ? <div className="mb"><ProblemAlert error={update.error} /></div> : null}
      {preferences.isError ? <ProblemAlert error={preferences.error} /> : preferences.isPending ? <Skeleton active title={false} /> : (
        <List size="small" dataSource={preferences.data.categories} renderItem={(pref) => {
          const id = `pref-${pref.category}`;
          return (
            <List.Item extra={null}>
              <label htmlFor={id} className="pref-label">{lang === "en" ? CATEGORY_EN[pref.category] : pref.label}</label>
              <Switch id={id} checked={pref.email} disabled={!pref.mutable}
                loading={update.isPending && update.variables?.category === pref.category}
                onChange={(email) => update.mutate({ category: pref.category, email })} />
            </List.Item>
          );
        }} />
      )}
    </Card>
  );
}
