def test_true():
    assert 1 + 1 == 2
