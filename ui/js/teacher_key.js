// The class this browser teaches, kept in a cookie so that a reload (a new Streamlit session) finds it
// again (ui/classroom/teacher_key.py). The page sends what to keep, or an empty value to forget it.
// SameSite=Strict: no other site's page can make this browser send it (a WebSocket opened from there
// included); Secure over https. The server checks it against the class's key digest like a teacher link.
export default function teacherKey(component) {
  const { data } = component;
  const spec = typeof data === "string" ? JSON.parse(data) : data || {};
  if (!spec.name) return;
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  const value = spec.value ? encodeURIComponent(spec.value) : "";
  const age = spec.value ? spec.maxAge : 0;
  const cookie = `${spec.name}=${value}; Path=${spec.path}; Max-Age=${age}; SameSite=Strict${secure}`;
  if (spec.value ? !document.cookie.split("; ").includes(`${spec.name}=${value}`) : document.cookie.includes(`${spec.name}=`)) {
    document.cookie = cookie;
  }
}
