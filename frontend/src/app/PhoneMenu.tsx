// The phone's menu drawer: its own chunk, loaded when the menu button is first pressed (a wide screen never
// needs it, a phone not before the first tap).
import { Drawer, Menu, type MenuProps } from "antd";

export default function PhoneMenu({ open, onClose, title, items, selected }: {
  open: boolean; onClose: () => void; title: string; items: MenuProps["items"]; selected: string | undefined;
}) {
  return (
    <Drawer placement="left" open={open} onClose={onClose} size={260} title={title}>
      <Menu mode="inline" selectedKeys={selected ? [selected] : []} items={items} />
    </Drawer>
  );
}
