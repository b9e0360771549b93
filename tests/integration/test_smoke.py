def test_smoke(run_playbook):
    run = run_playbook("smoke.yml")
    assert run.rc == 0, run.stdout
    assert run.result("Show")["msg"].startswith("http://127.0.0.1:")
