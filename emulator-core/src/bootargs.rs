//! The kernel command line as rvsim writes it: the kernel's options,
//! then `--`, then the first program and its arguments.

/// `bootargs` with `options` added at the end of its options, before the
/// `--` that starts the program (so they win over any given earlier).
pub fn with_options(bootargs: &str, options: &[String]) -> String {
    let added = options.join(" ");
    match bootargs.split_once("--") {
        Some((before, after)) => format!("{} {added} --{after}", before.trim_end()).trim_start().to_string(),
        None => format!("{} {added}", bootargs.trim_end()).trim_start().to_string(),
    }
}

/// The options that tell the teaching kernel its place in a cluster.
pub fn node_options(node: u16, nodes: u16) -> Vec<String> {
    vec![format!("node={node}"), format!("nodes={nodes}")]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_go_before_the_program() {
        let options = node_options(2, 4);
        assert_eq!(with_options("cow=off -- hello a -- b", &options), "cow=off node=2 nodes=4 -- hello a -- b");
        assert_eq!(with_options("-- hello", &options), "node=2 nodes=4 -- hello");
        assert_eq!(with_options("", &options), "node=2 nodes=4");
    }
}
