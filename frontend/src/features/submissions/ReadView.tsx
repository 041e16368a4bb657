// A report as submitted (or as it stands), read-only: answers by section with their evidence.
import { Card, Modal, Typography } from "antd";
import { useState, type ReactNode } from "react";
import type { Campaign, Evidence, Submission } from "../../api/types";
import { useT } from "../../i18n/lang";
import { walkSections, type OutlineSection } from "../../lib/outline";
import { useCatalogue } from "../evidence/api";
import { EvidenceList, EvidencePreview, itemsFor } from "../evidence/evidence";
import { Answers } from "../../components/Answers";

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
