//! A private network for cluster tests: one network namespace per node, joined by a bridge in the
//! test's namespace, so a node can be cut off from its peers while the test still reaches it.
//! Needs root (CAP_NET_ADMIN) and iproute2.

use std::process::Command;

pub struct TestNetwork {
    tag: String,
    /// Third octet of the 10.231.x.0/24 subnet.
    subnet: u8,
    nodes: usize,
}

fn ip(args: &[&str]) -> Result<(), String> {
    let output = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run ip: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

impl TestNetwork {
    /// Creates namespaces and links for `nodes` nodes. The test's own address on the bridge is
    /// 10.231.x.254; node `i` is at 10.231.x.(i + 1).
    pub fn create(nodes: usize) -> Result<TestNetwork, String> {
        // Unique per test process, so parallel runs do not collide.
        let pid = std::process::id();
        let net = TestNetwork {
            tag: format!("{:x}", pid % 0xfffff),
            subnet: (pid % 200) as u8 + 20,
            nodes,
        };
        net.setup().inspect_err(|_| net.teardown())?;
        Ok(net)
    }

    fn bridge(&self) -> String {
        format!("hbr{}", self.tag)
    }

    pub fn namespace(&self, node: usize) -> String {
        format!("hornet-{}-{node}", self.tag)
    }

    fn veth(&self, node: usize) -> String {
        format!("hv{}n{node}", self.tag)
    }

    pub fn host(&self, node: usize) -> String {
        format!("10.231.{}.{}", self.subnet, node + 1)
    }

    fn setup(&self) -> Result<(), String> {
        let bridge = self.bridge();
        ip(&["link", "add", &bridge, "type", "bridge"])?;
        ip(&[
            "addr",
            "add",
            &format!("10.231.{}.254/24", self.subnet),
            "dev",
            &bridge,
        ])?;
        ip(&["link", "set", &bridge, "up"])?;
        for node in 0..self.nodes {
            let ns = self.namespace(node);
            let veth = self.veth(node);
            ip(&["netns", "add", &ns])?;
            ip(&[
                "link", "add", &veth, "type", "veth", "peer", "name", "eth0", "netns", &ns,
            ])?;
            ip(&["link", "set", &veth, "master", &bridge])?;
            ip(&["link", "set", &veth, "up"])?;
            ip(&["-n", &ns, "link", "set", "lo", "up"])?;
            ip(&[
                "-n",
                &ns,
                "addr",
                "add",
                &format!("{}/24", self.host(node)),
                "dev",
                "eth0",
            ])?;
            ip(&["-n", &ns, "link", "set", "eth0", "up"])?;
        }
        Ok(())
    }

    /// Cuts `node` off from every other node (both directions: its packets to them are dropped),
    /// while the test can still reach it.
    pub fn isolate(&self, node: usize) {
        self.blackhole_routes(node, "add").expect("isolate");
    }

    /// Undoes [`TestNetwork::isolate`].
    pub fn heal(&self, node: usize) {
        self.blackhole_routes(node, "del").expect("heal");
    }

    /// Adds or deletes blackhole routes between `node` and each other node, on both sides.
    fn blackhole_routes(&self, node: usize, action: &str) -> Result<(), String> {
        for other in (0..self.nodes).filter(|o| *o != node) {
            for (from, to) in [(node, other), (other, node)] {
                ip(&[
                    "-n",
                    &self.namespace(from),
                    "route",
                    action,
                    "blackhole",
                    &format!("{}/32", self.host(to)),
                ])?;
            }
        }
        Ok(())
    }

    fn teardown(&self) {
        for node in 0..self.nodes {
            let _ = ip(&["netns", "del", &self.namespace(node)]);
            let _ = ip(&["link", "del", &self.veth(node)]);
        }
        let _ = ip(&["link", "del", &self.bridge()]);
    }
}

impl Drop for TestNetwork {
    fn drop(&mut self) {
        self.teardown();
    }
}
