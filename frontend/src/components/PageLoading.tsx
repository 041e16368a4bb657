import { Spin } from "antd";

/** A page (or a part of one) whose code or data is still on its way. */
export function PageLoading() {
  return (
    <div className="page-loading" aria-busy="true">
      <Spin />
    </div>
  );
}
