BEGIN TRANSACTION;
CREATE TABLE imports (
    import_id INTEGER PRIMARY KEY AUTOINCREMENT, source_file TEXT, source_sha256 TEXT,
    imported_at TEXT NOT NULL, rows INTEGER, stored INTEGER, already INTEGER, rejected INTEGER
);
INSERT INTO "imports" VALUES(1,'lan-0.csv','','2026-12-04T17:31:16+00:00',7,8,0,0);
INSERT INTO "imports" VALUES(2,'minh-1.csv','','2026-12-04T17:31:16+00:00',7,8,0,0);
INSERT INTO "imports" VALUES(3,'lan-2.csv','','2026-12-04T17:31:16+00:00',7,8,0,0);
INSERT INTO "imports" VALUES(4,'thu.csv','','2026-12-04T17:31:17+00:00',1,2,0,0);
INSERT INTO "imports" VALUES(5,'/tmp/v1gen/export.json','80582f0a9f539928a415f42e0ea2e75ed5318c8369347e38527c6ed375f58578','2026-12-07T23:34:34+00:00',6,6,0,0);
INSERT INTO "imports" VALUES(6,'/work/wt-ids/tests/review/store/data/store_v1_export.json','80582f0a9f539928a415f42e0ea2e75ed5318c8369347e38527c6ed375f58578','2026-12-08T00:19:32+00:00',6,3,3,0);
CREATE TABLE queue_design (
    queue_id TEXT PRIMARY KEY, purpose TEXT NOT NULL, scored_posts INTEGER, scored_groups INTEGER,
    reviewers TEXT, overlap REAL
);
INSERT INTO "queue_design" VALUES('qd222a1d8a446','review',9,8,'[]',0.0);
INSERT INTO "queue_design" VALUES('a850f2e9e11c6','adjudication',NULL,NULL,'[]',NULL);
INSERT INTO "queue_design" VALUES('q67070a0aa689','review',3,3,'[]',0.0);
CREATE TABLE queue_items (
    queue_id TEXT NOT NULL, item_id TEXT NOT NULL, why TEXT, inclusion_probability REAL, flagged INTEGER,
    group_size INTEGER, assigned_to TEXT, PRIMARY KEY (queue_id, item_id)
);
INSERT INTO "queue_items" VALUES('qd222a1d8a446','g669d29479678','top',1.0,0,2,'[]');
INSERT INTO "queue_items" VALUES('qd222a1d8a446','g169b5b823c62','top',1.0,0,1,'[]');
INSERT INTO "queue_items" VALUES('qd222a1d8a446','gf64551fcd6f0','top',1.0,0,1,'[]');
INSERT INTO "queue_items" VALUES('qd222a1d8a446','g3946ca64ff78','top',1.0,0,1,'[]');
INSERT INTO "queue_items" VALUES('qd222a1d8a446','g43bb00d0ce77','top',1.0,0,1,'[]');
INSERT INTO "queue_items" VALUES('qd222a1d8a446','gab71fc4c8a1c','uncertain',1.0,0,1,'[]');
INSERT INTO "queue_items" VALUES('qd222a1d8a446','g7d087a2e212c','random',0.5,0,1,'[]');
INSERT INTO "queue_items" VALUES('a850f2e9e11c6','g669d29479678','adjudication',1.0,NULL,2,'[]');
INSERT INTO "queue_items" VALUES('a850f2e9e11c6','gf64551fcd6f0','adjudication',1.0,NULL,1,'[]');
INSERT INTO "queue_items" VALUES('q67070a0aa689','gf64551fcd6f0','top',1.0,0,1,'[]');
INSERT INTO "queue_items" VALUES('q67070a0aa689','g3946ca64ff78','top',1.0,0,1,'[]');
INSERT INTO "queue_items" VALUES('q67070a0aa689','g43bb00d0ce77','top',1.0,0,1,'[]');
CREATE TABLE queue_members (
    queue_id TEXT NOT NULL, item_id TEXT NOT NULL, post_id TEXT NOT NULL, fingerprint TEXT,
    text TEXT, score REAL, model_version TEXT, meta TEXT, PRIMARY KEY (queue_id, post_id)
);
INSERT INTO "queue_members" VALUES('qd222a1d8a446','g669d29479678','c1','76cd60f03ef7c7b2','Uống nước chanh nóng diệt virus, chia sẻ ngay!',0.95,'m1','{"num_like": "21"}');
INSERT INTO "queue_members" VALUES('qd222a1d8a446','g669d29479678','c2','76cd60f03ef7c7b2','Uống nước chanh nóng diệt virus,   chia sẻ ngay!!!!',0.94,'m1','{"num_like": "24"}');
INSERT INTO "queue_members" VALUES('qd222a1d8a446','g169b5b823c62','p0','8a8da3e163a00c75','Bài số 0 nói về giá vàng hoàn toàn khác các bài kia',0.9,'m1','{"num_like": "0"}');
INSERT INTO "queue_members" VALUES('qd222a1d8a446','gf64551fcd6f0','p1','bf82df6640bf4c42','Bài số 1 nói về thời tiết hoàn toàn khác các bài kia',0.8,'m1','{"num_like": "3"}');
INSERT INTO "queue_members" VALUES('qd222a1d8a446','g3946ca64ff78','p2','4d9c5f1a179a538e','Bài số 2 nói về bóng đá hoàn toàn khác các bài kia',0.7,'m1','{"num_like": "6"}');
INSERT INTO "queue_members" VALUES('qd222a1d8a446','g43bb00d0ce77','p3','d4f6d7088aa726e0','Bài số 3 nói về xe máy hoàn toàn khác các bài kia',0.6,'m1','{"num_like": "9"}');
INSERT INTO "queue_members" VALUES('qd222a1d8a446','gab71fc4c8a1c','p4','3f7b7a2bdbcc6966','Bài số 4 nói về du lịch hoàn toàn khác các bài kia',0.5,'m1','{"num_like": "12"}');
INSERT INTO "queue_members" VALUES('qd222a1d8a446','g7d087a2e212c','p6','8b62b0222285a54f','Bài số 6 nói về cây cảnh hoàn toàn khác các bài kia',0.3,'m1','{"num_like": "18"}');
INSERT INTO "queue_members" VALUES('a850f2e9e11c6','g669d29479678','c1','76cd60f03ef7c7b2','Uống nước chanh nóng diệt virus, chia sẻ ngay!',0.95,'m1','{"num_like": "21"}');
INSERT INTO "queue_members" VALUES('a850f2e9e11c6','g669d29479678','c2','76cd60f03ef7c7b2','Uống nước chanh nóng diệt virus,   chia sẻ ngay!!!!',0.94,'m1','{"num_like": "24"}');
INSERT INTO "queue_members" VALUES('a850f2e9e11c6','gf64551fcd6f0','p1','bf82df6640bf4c42','Bài số 1 nói về thời tiết hoàn toàn khác các bài kia',0.8,'m1','{"num_like": "3"}');
INSERT INTO "queue_members" VALUES('q67070a0aa689','gf64551fcd6f0','p1','534017db6824efa2','tin một hai ba',0.9,'m1','{}');
INSERT INTO "queue_members" VALUES('q67070a0aa689','g3946ca64ff78','p2','a88bea1a52263cb0','bài năm sáu bảy',0.6,'m1','{}');
INSERT INTO "queue_members" VALUES('q67070a0aa689','g43bb00d0ce77','p3','1bdb2723f8ae35b9','chuyện chín mười',0.2,'m1','{}');
CREATE TABLE queues (
    queue_id TEXT PRIMARY KEY, created_at TEXT, policy TEXT, budget INTEGER, explore REAL,
    redacted INTEGER, registered_at TEXT NOT NULL, source TEXT
);
INSERT INTO "queues" VALUES('qd222a1d8a446','2026-12-01T08:00:00+00:00','top',7,0.3,0,'2026-12-04T17:31:16+00:00','');
INSERT INTO "queues" VALUES('a850f2e9e11c6','2026-12-05T08:00:00+00:00','adjudication',2,0.0,0,'2026-12-04T17:31:17+00:00','conflicts.csv');
INSERT INTO "queues" VALUES('q67070a0aa689','2026-12-07T23:34:33+00:00','top',3,0.0,0,'2026-12-07T23:34:34+00:00','/tmp/v1gen/q.labelstudio.json.vnflag-queue.json');
CREATE TABLE reviewer_names (name_id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, name TEXT NOT NULL, set_at TEXT NOT NULL, source TEXT);
INSERT INTO "reviewer_names" VALUES(1,'2','binh','2026-12-08T00:19:32+00:00','/work/wt-ids/tests/review/store/data/store_v1_export.json');
CREATE TABLE "reviews" (review_id INTEGER PRIMARY KEY AUTOINCREMENT, queue_id TEXT NOT NULL, item_id TEXT NOT NULL, post_id TEXT NOT NULL, fingerprint TEXT, decision TEXT NOT NULL CHECK (decision IN ('misleading', 'ok', 'unsure')), reviewer TEXT NOT NULL, note TEXT NOT NULL, reviewed_at TEXT NOT NULL, imported_at TEXT NOT NULL, model_version TEXT, score REAL, source_file TEXT, source_sha256 TEXT, source_row INTEGER, origin TEXT, tool_user TEXT);
INSERT INTO "reviews" VALUES(1,'qd222a1d8a446','g669d29479678','c1','76cd60f03ef7c7b2','misleading','lan','ảnh cũ','2026-12-02T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.95,'lan-0.csv','',1,NULL,NULL);
INSERT INTO "reviews" VALUES(2,'qd222a1d8a446','g669d29479678','c2','76cd60f03ef7c7b2','misleading','lan','ảnh cũ','2026-12-02T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.94,'lan-0.csv','',1,NULL,NULL);
INSERT INTO "reviews" VALUES(3,'qd222a1d8a446','g169b5b823c62','p0','8a8da3e163a00c75','ok','lan','ảnh cũ','2026-12-02T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.9,'lan-0.csv','',2,NULL,NULL);
INSERT INTO "reviews" VALUES(4,'qd222a1d8a446','gf64551fcd6f0','p1','bf82df6640bf4c42','misleading','lan','ảnh cũ','2026-12-02T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.8,'lan-0.csv','',3,NULL,NULL);
INSERT INTO "reviews" VALUES(5,'qd222a1d8a446','g3946ca64ff78','p2','4d9c5f1a179a538e','ok','lan','ảnh cũ','2026-12-02T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.7,'lan-0.csv','',4,NULL,NULL);
INSERT INTO "reviews" VALUES(6,'qd222a1d8a446','g43bb00d0ce77','p3','d4f6d7088aa726e0','unsure','lan','ảnh cũ','2026-12-02T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.6,'lan-0.csv','',5,NULL,NULL);
INSERT INTO "reviews" VALUES(7,'qd222a1d8a446','gab71fc4c8a1c','p4','3f7b7a2bdbcc6966','ok','lan','ảnh cũ','2026-12-02T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.5,'lan-0.csv','',6,NULL,NULL);
INSERT INTO "reviews" VALUES(8,'qd222a1d8a446','g7d087a2e212c','p6','8b62b0222285a54f','misleading','lan','ảnh cũ','2026-12-02T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.3,'lan-0.csv','',7,NULL,NULL);
INSERT INTO "reviews" VALUES(9,'qd222a1d8a446','g669d29479678','c1','76cd60f03ef7c7b2','ok','minh','','2026-12-03T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.95,'minh-1.csv','',1,NULL,NULL);
INSERT INTO "reviews" VALUES(10,'qd222a1d8a446','g669d29479678','c2','76cd60f03ef7c7b2','ok','minh','','2026-12-03T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.94,'minh-1.csv','',1,NULL,NULL);
INSERT INTO "reviews" VALUES(11,'qd222a1d8a446','g169b5b823c62','p0','8a8da3e163a00c75','ok','minh','','2026-12-03T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.9,'minh-1.csv','',2,NULL,NULL);
INSERT INTO "reviews" VALUES(12,'qd222a1d8a446','gf64551fcd6f0','p1','bf82df6640bf4c42','ok','minh','','2026-12-03T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.8,'minh-1.csv','',3,NULL,NULL);
INSERT INTO "reviews" VALUES(13,'qd222a1d8a446','g3946ca64ff78','p2','4d9c5f1a179a538e','ok','minh','','2026-12-03T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.7,'minh-1.csv','',4,NULL,NULL);
INSERT INTO "reviews" VALUES(14,'qd222a1d8a446','g43bb00d0ce77','p3','d4f6d7088aa726e0','ok','minh','','2026-12-03T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.6,'minh-1.csv','',5,NULL,NULL);
INSERT INTO "reviews" VALUES(15,'qd222a1d8a446','gab71fc4c8a1c','p4','3f7b7a2bdbcc6966','misleading','minh','','2026-12-03T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.5,'minh-1.csv','',6,NULL,NULL);
INSERT INTO "reviews" VALUES(16,'qd222a1d8a446','g7d087a2e212c','p6','8b62b0222285a54f','misleading','minh','','2026-12-03T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.3,'minh-1.csv','',7,NULL,NULL);
INSERT INTO "reviews" VALUES(17,'qd222a1d8a446','g669d29479678','c1','76cd60f03ef7c7b2','misleading','lan','nghĩ lại','2026-12-04T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.95,'lan-2.csv','',1,NULL,NULL);
INSERT INTO "reviews" VALUES(18,'qd222a1d8a446','g669d29479678','c2','76cd60f03ef7c7b2','misleading','lan','nghĩ lại','2026-12-04T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.94,'lan-2.csv','',1,NULL,NULL);
INSERT INTO "reviews" VALUES(19,'qd222a1d8a446','g169b5b823c62','p0','8a8da3e163a00c75','ok','lan','nghĩ lại','2026-12-04T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.9,'lan-2.csv','',2,NULL,NULL);
INSERT INTO "reviews" VALUES(20,'qd222a1d8a446','gf64551fcd6f0','p1','bf82df6640bf4c42','misleading','lan','nghĩ lại','2026-12-04T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.8,'lan-2.csv','',3,NULL,NULL);
INSERT INTO "reviews" VALUES(21,'qd222a1d8a446','g3946ca64ff78','p2','4d9c5f1a179a538e','ok','lan','nghĩ lại','2026-12-04T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.7,'lan-2.csv','',4,NULL,NULL);
INSERT INTO "reviews" VALUES(22,'qd222a1d8a446','g43bb00d0ce77','p3','d4f6d7088aa726e0','unsure','lan','nghĩ lại','2026-12-04T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.6,'lan-2.csv','',5,NULL,NULL);
INSERT INTO "reviews" VALUES(23,'qd222a1d8a446','gab71fc4c8a1c','p4','3f7b7a2bdbcc6966','misleading','lan','nghĩ lại','2026-12-04T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.5,'lan-2.csv','',6,NULL,NULL);
INSERT INTO "reviews" VALUES(24,'qd222a1d8a446','g7d087a2e212c','p6','8b62b0222285a54f','misleading','lan','nghĩ lại','2026-12-04T09:00:00+00:00','2026-12-04T17:31:16+00:00','m1',0.3,'lan-2.csv','',7,NULL,NULL);
INSERT INTO "reviews" VALUES(25,'a850f2e9e11c6','g669d29479678','c1','76cd60f03ef7c7b2','ok','thu','','2026-12-06T09:00:00+00:00','2026-12-04T17:31:17+00:00','m1',0.95,'thu.csv','',1,NULL,NULL);
INSERT INTO "reviews" VALUES(26,'a850f2e9e11c6','g669d29479678','c2','76cd60f03ef7c7b2','ok','thu','','2026-12-06T09:00:00+00:00','2026-12-04T17:31:17+00:00','m1',0.94,'thu.csv','',1,NULL,NULL);
INSERT INTO "reviews" VALUES(27,'q67070a0aa689','gf64551fcd6f0','p1','534017db6824efa2','misleading','anh','','2026-12-07T23:34:34+00:00','2026-12-07T23:34:34+00:00','m1',0.9,'/tmp/v1gen/export.json','80582f0a9f539928a415f42e0ea2e75ed5318c8369347e38527c6ed375f58578',1,NULL,NULL);
INSERT INTO "reviews" VALUES(28,'q67070a0aa689','gf64551fcd6f0','p1','534017db6824efa2','ok','labelstudio:2','','2026-12-07T23:34:34+00:00','2026-12-07T23:34:34+00:00','m1',0.9,'/tmp/v1gen/export.json','80582f0a9f539928a415f42e0ea2e75ed5318c8369347e38527c6ed375f58578',1,NULL,NULL);
INSERT INTO "reviews" VALUES(29,'q67070a0aa689','g3946ca64ff78','p2','a88bea1a52263cb0','ok','anh','','2026-12-07T23:34:34+00:00','2026-12-07T23:34:34+00:00','m1',0.6,'/tmp/v1gen/export.json','80582f0a9f539928a415f42e0ea2e75ed5318c8369347e38527c6ed375f58578',2,NULL,NULL);
INSERT INTO "reviews" VALUES(30,'q67070a0aa689','g3946ca64ff78','p2','a88bea1a52263cb0','misleading','labelstudio:2','','2026-12-07T23:34:34+00:00','2026-12-07T23:34:34+00:00','m1',0.6,'/tmp/v1gen/export.json','80582f0a9f539928a415f42e0ea2e75ed5318c8369347e38527c6ed375f58578',2,NULL,NULL);
INSERT INTO "reviews" VALUES(31,'q67070a0aa689','g43bb00d0ce77','p3','1bdb2723f8ae35b9','misleading','anh','','2026-12-07T23:34:34+00:00','2026-12-07T23:34:34+00:00','m1',0.2,'/tmp/v1gen/export.json','80582f0a9f539928a415f42e0ea2e75ed5318c8369347e38527c6ed375f58578',3,NULL,NULL);
INSERT INTO "reviews" VALUES(32,'q67070a0aa689','g43bb00d0ce77','p3','1bdb2723f8ae35b9','misleading','labelstudio:2','','2026-12-07T23:34:34+00:00','2026-12-07T23:34:34+00:00','m1',0.2,'/tmp/v1gen/export.json','80582f0a9f539928a415f42e0ea2e75ed5318c8369347e38527c6ed375f58578',3,NULL,NULL);
INSERT INTO "reviews" VALUES(33,'q67070a0aa689','gf64551fcd6f0','p1','534017db6824efa2','misleading','labelstudio:1','','2026-12-08T00:19:32+00:00','2026-12-08T00:19:32+00:00','m1',0.9,'/work/wt-ids/tests/review/store/data/store_v1_export.json','80582f0a9f539928a415f42e0ea2e75ed5318c8369347e38527c6ed375f58578',1,'labelstudio:-:gf64551fcd6f0:11','1');
INSERT INTO "reviews" VALUES(34,'q67070a0aa689','g3946ca64ff78','p2','a88bea1a52263cb0','ok','labelstudio:1','','2026-12-08T00:19:32+00:00','2026-12-08T00:19:32+00:00','m1',0.6,'/work/wt-ids/tests/review/store/data/store_v1_export.json','80582f0a9f539928a415f42e0ea2e75ed5318c8369347e38527c6ed375f58578',2,'labelstudio:-:g3946ca64ff78:21','1');
INSERT INTO "reviews" VALUES(35,'q67070a0aa689','g43bb00d0ce77','p3','1bdb2723f8ae35b9','misleading','labelstudio:1','','2026-12-08T00:19:32+00:00','2026-12-08T00:19:32+00:00','m1',0.2,'/work/wt-ids/tests/review/store/data/store_v1_export.json','80582f0a9f539928a415f42e0ea2e75ed5318c8369347e38527c6ed375f58578',3,'labelstudio:-:g43bb00d0ce77:31','1');
CREATE TABLE tool_users (reviewer TEXT NOT NULL, tool_user TEXT NOT NULL, PRIMARY KEY (reviewer, tool_user));
INSERT INTO "tool_users" VALUES('labelstudio:1','1');
INSERT INTO "tool_users" VALUES('labelstudio:2','2');
CREATE TRIGGER queue_members_no_update BEFORE UPDATE ON queue_members BEGIN SELECT RAISE(ABORT, 'the label store is append-only'); END;
CREATE TRIGGER queue_members_no_delete BEFORE DELETE ON queue_members BEGIN SELECT RAISE(ABORT, 'the label store is append-only'); END;
CREATE TRIGGER queues_no_update BEFORE UPDATE ON queues BEGIN SELECT RAISE(ABORT, 'the label store is append-only'); END;
CREATE TRIGGER queues_no_delete BEFORE DELETE ON queues BEGIN SELECT RAISE(ABORT, 'the label store is append-only'); END;
CREATE TRIGGER imports_no_update BEFORE UPDATE ON imports BEGIN SELECT RAISE(ABORT, 'the label store is append-only'); END;
CREATE TRIGGER imports_no_delete BEFORE DELETE ON imports BEGIN SELECT RAISE(ABORT, 'the label store is append-only'); END;
CREATE TRIGGER queue_design_no_update BEFORE UPDATE ON queue_design BEGIN SELECT RAISE(ABORT, 'the label store is append-only'); END;
CREATE TRIGGER queue_design_no_delete BEFORE DELETE ON queue_design BEGIN SELECT RAISE(ABORT, 'the label store is append-only'); END;
CREATE TRIGGER queue_items_no_update BEFORE UPDATE ON queue_items BEGIN SELECT RAISE(ABORT, 'the label store is append-only'); END;
CREATE TRIGGER queue_items_no_delete BEFORE DELETE ON queue_items BEGIN SELECT RAISE(ABORT, 'the label store is append-only'); END;
CREATE INDEX reviews_post ON reviews (post_id);
CREATE UNIQUE INDEX reviews_origin ON reviews (origin, post_id, decision, note) WHERE NOT (origin IS NULL OR origin = '');
CREATE UNIQUE INDEX reviews_same ON reviews (queue_id, post_id, reviewer, decision, note) WHERE (origin IS NULL OR origin = '');
CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews BEGIN SELECT RAISE(ABORT, 'the label store is append-only'); END;
CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews BEGIN SELECT RAISE(ABORT, 'the label store is append-only'); END;
CREATE TRIGGER reviewer_names_no_update BEFORE UPDATE ON reviewer_names BEGIN SELECT RAISE(ABORT, 'the label store is append-only'); END;
CREATE TRIGGER reviewer_names_no_delete BEFORE DELETE ON reviewer_names BEGIN SELECT RAISE(ABORT, 'the label store is append-only'); END;
CREATE TRIGGER tool_users_no_update BEFORE UPDATE ON tool_users BEGIN SELECT RAISE(ABORT, 'the label store is append-only'); END;
CREATE TRIGGER tool_users_no_delete BEFORE DELETE ON tool_users BEGIN SELECT RAISE(ABORT, 'the label store is append-only'); END;
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('imports',6);
INSERT INTO "sqlite_sequence" VALUES('reviews',35);
INSERT INTO "sqlite_sequence" VALUES('reviewer_names',1);
COMMIT;
