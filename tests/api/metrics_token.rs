//! `GET /metrics` behind `metrics_token`: a scraper's secret, checked before anything is
//! rendered. (Apart from tests/metrics.rs, a binary of its own: its counts must see only its
//! own requests.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::TestApp;

#[tokio::test]
async fn metrics_answer_only_the_scrapers_token_when_one_is_set() {
    let app = TestApp::spawn_with(&[("ATTEST_METRICS_TOKEN", "scrape-s3cret")]).await;
    let fetch = |token: Option<&'static str>| {
        let mut request = app.http.get(app.url("/metrics"));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        async move {
            let res = request.send().await.unwrap();
            let status = res.status().as_u16();
            let www = res
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap().to_owned());
            (status, www, res.text().await.unwrap())
        }
    };
    for wrong in [None, Some("scrape-s3cre"), Some("scrape-s3cret-and-more")] {
        let (status, www, body) = fetch(wrong).await;
        assert_eq!((status, www.as_deref()), (401, Some("Bearer")), "{wrong:?}");
        assert!(body.contains("\"unauthenticated\""), "{body}");
        assert!(
            !body.contains("http_requests"),
            "nothing of the metrics leaks"
        );
    }
    let (status, _, body) = fetch(Some("scrape-s3cret")).await;
    assert_eq!(status, 200);
    assert!(body.contains("# TYPE"), "{body}");

    // Without the setting, anyone may read them (as before).
    let open = TestApp::spawn().await;
    let res = open.http.get(open.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
}
