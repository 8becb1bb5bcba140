use super::*;

const LIMIT: u64 = 0x40_0000_0000;

fn anon(addr: u64, len: u64, flags: u64) -> Result<MapRequest, MapError> {
    parse(addr, len, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, 0, LIMIT)
}

#[test]
fn a_private_anonymous_request_is_rounded_to_pages() {
    let req = anon(0, 5000, MAP_PRIVATE).unwrap();
    assert_eq!((req.pages, req.sharing, req.anonymous, req.placement), (2, Sharing::Private, true, Placement::Hint(0)));
    assert_eq!(anon(0, 4096, MAP_SHARED).unwrap().sharing, Sharing::Shared);
}

#[test]
fn bad_requests_get_linux_errors() {
    assert_eq!(anon(0, 0, MAP_PRIVATE), Err(MapError::Invalid), "zero length");
    assert_eq!(anon(0, 4096, 0), Err(MapError::Invalid), "neither shared nor private");
    assert_eq!(anon(0x1001, 4096, MAP_PRIVATE | MAP_FIXED), Err(MapError::Invalid), "misaligned fixed address");
    assert_eq!(anon(0, u64::MAX, MAP_PRIVATE), Err(MapError::NoMemory), "length overflows");
    assert_eq!(anon(0, LIMIT + PAGE, MAP_PRIVATE), Err(MapError::NoMemory), "longer than user space");
    assert_eq!(anon(LIMIT - PAGE, 2 * PAGE, MAP_PRIVATE | MAP_FIXED), Err(MapError::NoMemory), "past the end");
    assert_eq!(anon(0, 4096, MAP_PRIVATE | MAP_HUGETLB), Err(MapError::Invalid), "huge pages");
    assert_eq!(parse(0, 4096, 8, MAP_PRIVATE | MAP_ANONYMOUS, 0, LIMIT), Err(MapError::Invalid), "unknown prot");
    assert_eq!(parse(0, 4096, 1, MAP_PRIVATE, 100, LIMIT), Err(MapError::Invalid), "misaligned offset");
    assert_eq!(anon(0, 4096, MAP_SHARED_VALIDATE | 0x200_0000), Err(MapError::NotSupported), "validated flags");
    assert!(anon(0, 4096, MAP_SHARED | 0x200_0000).is_ok(), "unknown flags are ignored without validation");
    assert!(anon(0, 4096, MAP_PRIVATE | 0x2_0000 | 0x4000).is_ok(), "MAP_STACK and MAP_NORESERVE");
}

#[test]
fn a_file_request_keeps_its_offset_and_an_anonymous_one_ignores_it() {
    let req = parse(0, 100, PROT_READ, MAP_PRIVATE, 2 * PAGE, LIMIT).unwrap();
    assert_eq!((req.anonymous, req.offset, req.pages), (false, 2 * PAGE, 1));
    assert_eq!(parse(0, 100, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, PAGE, LIMIT).unwrap().offset, 0);
}

#[test]
fn placement_follows_hints_and_fixed_addresses() {
    let used = |s: u64, e: u64| !(s < 0x20_000 && 0x10_000 < e);
    let choose = |len: u64| Some(0x100_000 - len);
    let req =
        |placement| MapRequest { placement, pages: 2, prot: 3, sharing: Sharing::Private, anonymous: true, offset: 0 };
    assert_eq!(place(&req(Placement::Hint(0)), used, choose), Ok((0xfe_000, false)), "no hint: the kernel chooses");
    assert_eq!(place(&req(Placement::Hint(0x40_000)), used, choose), Ok((0x40_000, false)), "a free hint is taken");
    assert_eq!(place(&req(Placement::Hint(0x10_000)), used, choose), Ok((0xfe_000, false)), "a used hint is not");
    assert_eq!(place(&req(Placement::Replace(0x10_000)), used, choose), Ok((0x10_000, true)), "fixed replaces");
    assert_eq!(place(&req(Placement::Replace(0x40_000)), used, choose), Ok((0x40_000, false)));
    assert_eq!(place(&req(Placement::NoReplace(0x10_000)), used, choose), Err(MapError::Exists));
    assert_eq!(place(&req(Placement::NoReplace(0x40_000)), used, choose), Ok((0x40_000, false)));
    assert_eq!(place(&req(Placement::Hint(0)), used, |_| None), Err(MapError::NoMemory), "no room");
}

#[test]
fn unmap_ranges_are_checked_and_rounded() {
    assert_eq!(range(0x1000, 1, LIMIT), Ok((0x1000, 0x2000)));
    assert_eq!(range(0x1001, 1, LIMIT), Err(MapError::Invalid), "misaligned");
    assert_eq!(range(0x1000, 0, LIMIT), Err(MapError::Invalid), "empty");
    assert_eq!(range(LIMIT - PAGE, 2 * PAGE, LIMIT), Err(MapError::Invalid), "past the end");
    assert_eq!(range(0x1000, u64::MAX, LIMIT), Err(MapError::Invalid), "overflow");
}
