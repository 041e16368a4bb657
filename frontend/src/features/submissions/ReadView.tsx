// A report as submitted (or as it stands), read-only: answers by section with their evidence.
import { Card, Descriptions, Modal, Typography } from "antd";
import { useState, type ReactNode } from "react";
import type { Campaign, Evidence, Submission } from "../../api/types";
import { useT } from "../../i18n/lang";
import { walkSections, type OutlineSection } from "../../lib/outline";
import { useCatalogue } from "../evidence/api";
import { EvidenceList, EvidencePreview, itemsFor } from "../evidence/evidence";
import { answerText } from "./FieldInput";

export function Answers({ section, content }: { section: OutlineSection; content: Record<string, unknown> }) {
  const t = useT();
  if (!section.fields?.length) return null;
  return (
    <Descriptions column={1} size="small" layout="vertical" bordered className="mb" items={section.fields.map((field) => {
      const value = content[field.id];
      const children = field.kind === "table" ? (
        Array.isArray(value) && value.length ? (
          <div className="table-scroll">
            <table className="answer-table">
              <thead><tr>{(field.columns ?? []).map((c) => <th key={c.id} scope="col">{c.label}</th>)}</tr></thead>
              <tbody>{(value as Record<string, unknown>[]).map((row, i) => (
                <tr key={i}>{(field.columns ?? []).map((c) => <td key={c.id}>{answerText(c, row[c.id], t)}</td>)}</tr>
              ))}</tbody>
            </table>
          </div>
        ) : "—"
      ) : field.kind === "url" && typeof value === "string" ? <a href={value} target="_blank" rel="noreferrer noopener">{value}</a>
        : <span className="answer">{answerText(field, value, t)}</span>;
      return { key: field.id, label: field.label, children };
    })} />
  );
}

export function ReadView({ submission, campaign, aside }: { submission: Submission; campaign: Campaign; aside?: (section: OutlineSection) => ReactNode }) {
  const t = useT();
  const catalogue = useCatalogue(submission.id);
  const [preview, setPreview] = useState<Evidence | null>(null);
  const sections = walkSections(campaign.outline?.sections ?? []);
  return (
    <>
      {sections.map((section) => (
        <Card key={section.number} id={`section-${section.number}`} className="section-card" title={`${section.number}. ${section.title}`}>
          <Answers section={section} content={submission.content} />
          <Typography.Title level={4} style={{ fontSize: 15 }}>{t("Minh chứng", "Evidence")}</Typography.Title>
          <EvidenceList items={itemsFor(catalogue.data?.items ?? [], section.number)} editable={false} onPreview={setPreview} />
          {aside?.(section)}
        </Card>
      ))}
      <Modal open={preview !== null} onCancel={() => setPreview(null)} footer={null} width={960} title={preview?.title} destroyOnHidden>
        {preview && <EvidencePreview item={preview} />}
      </Modal>
    </>
  );
}
