SELECT * FROM results WHERE run_id = $id ORDER BY seq;
