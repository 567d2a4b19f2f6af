use backprop_ninja::train::interrupt::*;

#[test]
fn signals_have_their_conventional_numbers_and_statuses() {
    assert_eq!(Signal::Interrupt.exit_status(), 130);
    assert_eq!(Signal::Terminate.exit_status(), 143);
    for s in [Signal::Interrupt, Signal::Terminate] {
        assert_eq!(Signal::from_number(s.number() as usize), Some(s));
    }
    assert_eq!(Signal::from_number(0), None);
}
