use super::*;

const SVG: &str = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
                   viewBox=\"0 0 8 8\" data-x=\"a>b\"><circle r=\"4\"/></svg>";

fn tiny_png() -> Vec<u8> {
    crate::badge::svg_to_png(SVG).unwrap()
}

#[test]
fn png_round_trip_and_the_chunk_follows_ihdr() {
    let json = Payload::Json("{\"id\":\"urn:x\",\"name\":\"Zoë\"}".into());
    let baked = bake_png(&tiny_png(), &json).unwrap();
    assert_eq!(extract(&baked).unwrap(), json);
    let kinds: Vec<[u8; 4]> = chunks(&baked).map(|c| c.unwrap().kind).collect();
    assert_eq!(&kinds[0], b"IHDR");
    assert_eq!(&kinds[1], b"iTXt");
    // Baking again replaces: the keyword MUST NOT appear twice (§5.3.1.1).
    let jwt = Payload::Jwt("a.b.c".into());
    let rebaked = bake_png(&baked, &jwt).unwrap();
    assert_eq!(extract(&rebaked).unwrap(), jwt);
    let itxt = chunks(&rebaked)
        .filter(|c| &c.as_ref().unwrap().kind == b"iTXt")
        .count();
    assert_eq!(itxt, 1);
}

#[test]
fn png_refusals_have_their_codes() {
    let plain = tiny_png();
    assert_eq!(
        extract(&plain).unwrap_err().code().as_str(),
        "no_baked_credential"
    );
    let mut corrupt = bake_png(&plain, &Payload::Jwt("a.b.c".into())).unwrap();
    // A byte of the credential text (signature 8, IHDR 25, iTXt header 8, keyword…).
    let at = 33 + 8 + PNG_KEYWORD.len() + 5;
    assert_eq!(corrupt[at], b'a');
    corrupt[at] = b'x';
    assert_eq!(
        extract(&corrupt).unwrap_err().code().as_str(),
        "invalid_image"
    );
    assert_eq!(
        extract(&plain[..20]).unwrap_err().code().as_str(),
        "invalid_image",
        "truncated"
    );
}

#[test]
fn compressed_text_is_bounded() {
    use flate2::Compression;
    use flate2::write::ZlibEncoder;
    use std::io::Write;
    let mut enc = ZlibEncoder::new(Vec::new(), Compression::best());
    enc.write_all(&vec![b' '; MAX_TEXT + 10]).unwrap();
    let mut data = PNG_KEYWORD.as_bytes().to_vec();
    data.extend_from_slice(&[0, 1, 0, 0, 0]);
    data.extend_from_slice(&enc.finish().unwrap());
    let bomb = chunk_bytes(b"iTXt", &data).unwrap();
    let plain = tiny_png();
    let mut png = plain[..33].to_vec(); // signature + IHDR
    png.extend_from_slice(&bomb);
    png.extend_from_slice(&plain[33..]);
    assert_eq!(extract(&png).unwrap_err(), BakingError::TooLarge);
}

#[test]
fn svg_round_trip_json_and_jwt() {
    let json = Payload::Json("{\"name\":\"a]]>b <c> & d\"}".into());
    let baked = bake_svg(SVG, &json).unwrap();
    assert!(baked.contains(
        "xmlns:openbadges=\"https://purl.imsglobal.org/ob/v3p0\">\n<openbadges:credential>"
    ));
    assert_eq!(extract(baked.as_bytes()).unwrap(), json);
    let jwt = Payload::Jwt("eyJ.eyJ.sig".into());
    let baked = bake_svg(SVG, &jwt).unwrap();
    assert_eq!(extract(baked.as_bytes()).unwrap(), jwt);
    // Still an image: the renderer reads it.
    assert!(crate::badge::svg_to_png(&baked).is_ok());
}

#[test]
fn svg_refusals_have_their_codes() {
    assert_eq!(
        extract(SVG.as_bytes()).unwrap_err().code().as_str(),
        "no_baked_credential"
    );
    assert_eq!(
        extract(b"<svg").unwrap_err().code().as_str(),
        "invalid_image"
    );
    assert_eq!(
        extract(b"<html xmlns=\"http://www.w3.org/1999/xhtml\"/>")
            .unwrap_err()
            .code()
            .as_str(),
        "invalid_image"
    );
    let dtd = "<!DOCTYPE svg [<!ENTITY a \"aaaa\">]><svg xmlns:openbadges=\"https://purl.imsglobal.org/ob/v3p0\"><openbadges:credential>&a;</openbadges:credential></svg>";
    assert_eq!(
        extract(dtd.as_bytes()).unwrap_err().code().as_str(),
        "invalid_image"
    );
    // The element must be in the Open Badges namespace.
    let wrong = "<svg xmlns:ob=\"https://example.com/ob\"><ob:credential>{}</ob:credential></svg>";
    assert_eq!(
        extract(wrong.as_bytes()).unwrap_err().code().as_str(),
        "no_baked_credential"
    );
}

#[test]
fn kinds_by_magic() {
    assert_eq!(kind_of(&tiny_png()), Some(ImageKind::Png));
    assert_eq!(kind_of(b"\xef\xbb\xbf  <svg/>"), Some(ImageKind::Svg));
    assert_eq!(kind_of(b"{\"a\":1}"), None);
    assert_eq!(kind_of(b"eyJhbGciOi.x.y"), None);
    assert_eq!(kind_of(b""), None);
}
