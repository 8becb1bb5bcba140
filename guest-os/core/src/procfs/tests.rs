use super::*;
use crate::space::ForkMode;
use crate::testmem::{KERNEL_ROOT, World};

#[test]
fn a_maps_line_is_linuxs_with_the_kernels_marks() {
    let pages = PageCounts { shared: 2, cow: 1, ..PageCounts::default() };
    let line = MapsLine {
        start: 0x10000,
        end: 0x13000,
        perms: pte::R | pte::X,
        shared: false,
        offset: 0,
        name: "/hello",
        pages,
    };
    let text = alloc::format!("{line}");
    assert!(text.starts_with("00010000-00013000 r-xp 00000000 00:00 0 "), "{text}");
    assert_eq!(text.find("/hello"), Some(NAME_COLUMN), "the name starts at Linux's column: {text}");
    assert!(text.ends_with("/hello  [2 shared, 1 cow]"), "{text}");
    let anon = MapsLine { perms: 0, shared: true, name: "", pages: PageCounts::default(), ..line };
    assert_eq!(alloc::format!("{anon}"), "00010000-00013000 ---s 00000000 00:00 0 ", "no name, no pages");
}

#[test]
fn pages_are_counted_by_state() {
    let mut w = World::new(64);
    let mut parent = w.space();
    for i in 0..3 {
        w.page(&mut parent, 0x10000 + i * PAGE, pte::R | pte::W, 1);
    }
    let (child, _) = parent.fork(&mut w.vm(), KERNEL_ROOT, ForkMode::CopyOnWrite).unwrap();
    w.page(&mut parent, 0x20000, pte::R | pte::W, 2);
    let counts = parent.page_counts(&w.mem, 0x10000, 0x21000);
    assert_eq!(counts, PageCounts { cow: 3, private: 1, ..PageCounts::default() });
    assert_eq!(child.page_counts(&w.mem, 0x11000, 0x12000), PageCounts { cow: 1, ..PageCounts::default() }, "a part");
    assert_eq!(alloc::format!("{counts}"), "3 cow, 1 private");
}

#[test]
fn meminfo_gives_linuxs_fields_then_every_counter() {
    let s = MemStat {
        frames_total: 100,
        frames_free: 40,
        swap_total: 64,
        swap_used: 4,
        committed: 10,
        page_faults: 7,
        ..MemStat::default()
    };
    let text = meminfo(&s);
    assert!(text.starts_with("MemTotal:            400 kB\nMemFree:             160 kB\n"), "{text}");
    assert!(text.contains("SwapFree:            240 kB\n"), "{text}");
    assert!(text.contains("Committed_AS:         40 kB\n"), "{text}");
    assert!(text.contains("page_faults:           7\n"), "{text}");
    assert_eq!(text.lines().count(), 8 + s.fields().len());
}
