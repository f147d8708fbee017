//! A sweep on a real Slurm cluster equals the sweep on one machine: `deploy/slurm/cluster-test`
//! starts a single-node cluster (munged, slurmctld, slurmd), runs `deploy/slurm/batch.sbatch` as
//! a 4-task job array, merges the shards and compares every table with the unsharded batch's.
//!
//! Needs Debian's `slurm-wlm` and `munge`; run as root, the script installs them itself.

use std::path::Path;
use std::process::Command;

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

#[test]
fn a_four_task_slurm_array_merges_to_the_single_machine_batch() {
    assert!(
        on_path("sbatch") || is_root(),
        "the cluster test needs Slurm (`apt-get install -y slurm-wlm munge`); `.ci/run` installs it"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(root.join("deploy/slurm/cluster-test"))
        .arg(env!("CARGO_BIN_EXE_truce"))
        .current_dir(root)
        .output()
        .expect("deploy/slurm/cluster-test runs");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{stdout}");
    assert!(out.status.success(), "the cluster test failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("ok: the 4-task Slurm array merged equals the batch on one machine"), "{stdout}");
}
