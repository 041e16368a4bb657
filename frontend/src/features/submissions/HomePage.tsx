import { Navigate } from "react-router";
import { useMe } from "../auth/AuthProvider";
import { isSchoolUser } from "../auth/roles";
import SchoolDashboard from "./SchoolDashboard";

/** A school lands on its reports; everyone above a school on the campaigns. */
export default function HomePage() {
  const me = useMe();
  return isSchoolUser(me) ? <SchoolDashboard /> : <Navigate to="/campaigns" replace />;
}
