// Short names for the generated schema types the screens use (no hand-written API shapes).
import type { EvidenceComponents, IdentityComponents, NotificationsComponents, SubmissionsComponents } from "./generated";

type S = SubmissionsComponents["schemas"];
type E = EvidenceComponents["schemas"];
type I = IdentityComponents["schemas"];
type N = NotificationsComponents["schemas"];

export type Campaign = S["CampaignRead"];
export type CampaignSummary = S["CampaignSummary"];
export type CampaignCreate = S["CampaignCreate"];
export type Submission = S["SubmissionRead"];
export type SubmissionStatus = S["SubmissionStatus"];
export type UnitSubmission = S["UnitSubmissionRead"];
export type SubmissionEvent = S["SubmissionEventRead"];
export type SubmissionVersion = S["SubmissionVersionRead"];
export type StatusView = S["StatusView"];
export type TargetStatus = S["TargetStatus"];
export type TargetStatusRead = S["TargetStatusRead"];
export type GroupStatus = S["GroupStatus"];
export type TargetRead = S["TargetRead"];
export type LatePolicy = S["LatePolicy"];
export type ReturnReasons = S["ReturnReasons"];
export type Evidence = E["EvidenceRead"];
export type UploadResult = E["UploadResult"];
export type Unit = I["UnitRead"];
export type UnitType = I["UnitType"];
export type EducationLevel = I["EducationLevel"];
export type User = I["UserRead"];
export type ImportReport = I["ImportReport"];
export type FeedItem = N["FeedItemRead"];
export type IntegrationClient = I["IntegrationClientRead"];
export type IntegrationClientCreated = I["IntegrationClientCreated"];
export type CalendarFeed = N["CalendarFeedRead"];
export type CalendarFeedCreated = N["CalendarFeedCreated"];
export type CategoryPreference = N["CategoryPreference"];
export type NotificationCategory = N["Category"];
