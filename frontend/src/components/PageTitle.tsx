import { Typography } from "antd";
import { useEffect, type ReactNode } from "react";

/** The page's heading (one h1 per page), its actions, and the browser tab's title. */
export function PageTitle({ title, extra, sub }: { title: string; extra?: ReactNode; sub?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} — EduDX`;
  }, [title]);
  return (
    <>
      <div className="page-title">
        <Typography.Title level={1}>{title}</Typography.Title>
        {extra}
      </div>
      {sub && <div className="mb">{sub}</div>}
    </>
  );
}
