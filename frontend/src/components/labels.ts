import type { EducationLevel, UnitType } from "../api/types";

export const UNIT_TYPES: Record<UnitType, [string, string]> = {
  ministry: ["Bộ GDĐT", "Ministry"],
  department: ["Sở GDĐT", "Provincial department"],
  district_office: ["Phòng GDĐT (trước 1/7/2025)", "District office (before 1/7/2025)"],
  school: ["Trường", "School"],
  center: ["Trung tâm", "Centre"],
};

export const EDUCATION_LEVELS: Record<EducationLevel, [string, string]> = {
  mam_non: ["Mầm non", "Preschool"],
  tieu_hoc: ["Tiểu học", "Primary"],
  thcs: ["THCS", "Lower secondary"],
  thpt: ["THPT", "Upper secondary"],
  gdtx: ["GDTX", "Continuing education"],
};

export function label(pair: [string, string] | undefined, lang: "vi" | "en"): string {
  return pair ? pair[lang === "en" ? 1 : 0] : "";
}
