//! A fake physical memory for host tests: pages allocated on first touch.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use core::cell::RefCell;

use crate::{PAGE, PhysMemory};

/// Pages by physical page number.
#[derive(Default)]
pub struct TestMemory {
    pages: RefCell<BTreeMap<u64, Box<[u8; PAGE as usize]>>>,
}

impl TestMemory {
    fn with_page<T>(&self, pa: u64, f: impl FnOnce(&mut [u8; PAGE as usize]) -> T) -> T {
        let mut pages = self.pages.borrow_mut();
        let page = pages.entry(pa / PAGE).or_insert_with(|| Box::new([0; PAGE as usize]));
        f(page)
    }
}

impl PhysMemory for TestMemory {
    fn read_u64(&self, pa: u64) -> u64 {
        let mut b = [0u8; 8];
        self.read(pa, &mut b);
        u64::from_le_bytes(b)
    }
    fn write_u64(&mut self, pa: u64, value: u64) {
        self.write(pa, &value.to_le_bytes());
    }
    fn zero_page(&mut self, pa: u64) {
        self.with_page(pa, |p| p.fill(0));
    }
    fn copy_page(&mut self, from: u64, to: u64) {
        let data = self.with_page(from, |p| *p);
        self.with_page(to, |p| *p = data);
    }
    fn read(&self, pa: u64, buf: &mut [u8]) {
        let o = (pa % PAGE) as usize;
        self.with_page(pa, |p| buf.copy_from_slice(&p[o..o + buf.len()]));
    }
    fn write(&mut self, pa: u64, data: &[u8]) {
        let o = (pa % PAGE) as usize;
        self.with_page(pa, |p| p[o..o + data.len()].copy_from_slice(data));
    }
}
