//! Losing the database mid-request (PostgreSQL only): the server's connections are terminated
//! while requests are inside the database, as a PostgreSQL restart or failover would. Those
//! requests must fail with a retryable 503 problem (never a 500, never a hang), and the same
//! server — not restarted — must then serve normally again, the retried requests included.
//!
//! To have requests provably in flight, the test holds the open status list's row lock from a
//! connection of its own: issuance waits on it inside PostgreSQL until the connections die.

use crate::common;

use attest::service::Role;
use common::{TestApp, exam};
use sqlx::{Connection, PgConnection};
use std::time::Duration;

const IN_FLIGHT: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_get_503_and_the_server_recovers_by_itself() {
    if !common::pg::enabled("requests_in_flight_get_503_and_the_server_recovers_by_itself") {
        return;
    }
    let app = TestApp::spawn().await;
    let url = app.ctx.config.database_url.clone();
    assert!(url.starts_with("postgres"), "{url}");
    let token = app.token(Role::Issuer).await;
    app.issue(&token, "LOSS-0", "mlops-foundation", "cand-0")
        .await;

    let mut locker = PgConnection::connect(&url).await.expect("locker");
    let mut observer = PgConnection::connect(&url).await.expect("observer");
    let locker_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut locker)
        .await
        .expect("pid");
    sqlx::query("BEGIN")
        .execute(&mut locker)
        .await
        .expect("begin");
    sqlx::query("SELECT list_number FROM status_lists WHERE list_number = 1 FOR UPDATE")
        .execute(&mut locker)
        .await
        .expect("lock the open list");

    let requests: Vec<_> = (1..=IN_FLIGHT)
        .map(|i| {
            let request = app
                .http
                .post(app.url("/api/v1/exam-results"))
                .bearer_auth(&token)
                .json(&exam(
                    &format!("LOSS-{i}"),
                    "mlops-foundation",
                    "cand-1",
                    800,
                ));
            tokio::spawn(async move { request.send().await.expect("response") })
        })
        .collect();

    // Bounded wait until every request is blocked inside PostgreSQL.
    let mut waiting = 0;
    for _ in 0..200 {
        waiting = sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&mut observer)
        .await
        .expect("pg_stat_activity");
        if waiting as usize >= IN_FLIGHT {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        waiting as usize, IN_FLIGHT,
        "requests waiting in the database"
    );

    // Every connection of the server goes, busy and idle alike.
    let terminated: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), $1)) AS t",
    )
    .bind(locker_pid)
    .fetch_one(&mut observer)
    .await
    .expect("terminate");
    assert!(terminated as usize >= IN_FLIGHT, "{terminated}");

    for request in requests {
        let response = request.await.expect("request task");
        assert_eq!(response.status().as_u16(), 503);
        let headers = response.headers().clone();
        assert_eq!(headers["content-type"], "application/problem+json");
        assert!(
            headers.contains_key("retry-after"),
            "retryable: {headers:?}"
        );
        let problem: serde_json::Value = response.json().await.expect("problem");
        assert_eq!(problem["code"], "database_unavailable", "{problem}");
        assert_eq!(problem["status"], 503);
    }
    sqlx::query("ROLLBACK")
        .execute(&mut locker)
        .await
        .expect("release");

    // Same server, no restart: readiness, the retried requests, and reads all work again.
    let (status, ready) = app.get_json("/readyz").await;
    assert_eq!(status, 200, "{ready}");
    for i in 1..=IN_FLIGHT {
        let body = exam(&format!("LOSS-{i}"), "mlops-foundation", "cand-1", 800);
        let (status, answer) = app.post("/api/v1/exam-results", Some(&token), &body).await;
        assert_eq!(
            status, 201,
            "nothing was half-written by the failed attempt: {answer}"
        );
        let id = answer["credential_id"].as_str().expect("id");
        assert_eq!(app.get_json(&format!("/credentials/{id}")).await.0, 200);
    }
}
