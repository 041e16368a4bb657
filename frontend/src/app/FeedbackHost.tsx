// antd's message, notification and modal instances with their holders, mounted inside the ConfigProvider (theme,
// locale). Its own chunk: see feedback.tsx.
import { message, Modal, notification } from "antd";
import { useEffect } from "react";
import type { FeedbackApis } from "./feedback";

export default function FeedbackHost({ onReady }: { onReady: (apis: FeedbackApis) => void }) {
  const [messageApi, messageHolder] = message.useMessage();
  const [notificationApi, notificationHolder] = notification.useNotification();
  const [modalApi, modalHolder] = Modal.useModal();
  useEffect(() => {
    onReady({ message: messageApi, notification: notificationApi, modal: modalApi });
  }, [onReady, messageApi, notificationApi, modalApi]);
  return (
    <>
      {messageHolder}
      {notificationHolder}
      {modalHolder}
    </>
  );
}
