-- Members removed from a project before removal unassigned them: drop those assignments, so
-- no work item keeps an assignee that every later edit of it would refuse (issue 8, defect 6).
DELETE FROM work_item_users
WHERE EXISTS (
    SELECT 1 FROM project_users pu
    WHERE pu.project_id = work_item_users.project_id
      AND pu.user_id = work_item_users.user_id
      AND NOT pu.is_active
);
