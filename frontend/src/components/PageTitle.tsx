import { theme } from "antd";
import { useEffect, type ReactNode } from "react";

/** The page's heading (one h1 per page), its actions, and the browser tab's title. A plain h1 styled as antd's
 * Title from the theme's tokens: Typography's chunk (it carries the editable text's input) stays out of the first load. */
export function PageTitle({ title, extra, sub }: { title: string; extra?: ReactNode; sub?: ReactNode }) {
  const { token } = theme.useToken();
  useEffect(() => {
    document.title = `${title} — EduDX`;
  }, [title]);
  return (
    <>
      <div className="page-title">
        <h1 style={{ color: token.colorTextHeading, fontWeight: token.fontWeightStrong, lineHeight: token.lineHeightHeading1, overflowWrap: "break-word" }}>{title}</h1>
        {extra}
      </div>
      {sub && <div className="mb">{sub}</div>}
    </>
  );
}
