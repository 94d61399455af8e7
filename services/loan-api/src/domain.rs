//! The loan domain: values that can only be built valid, and the rules for moving a loan
//! through its lifecycle. Nothing here touches HTTP or the database.

mod loan;
mod money;
mod new_loan;
mod status;

pub use loan::Loan;
pub use money::{Amount, InterestRate, decimal_from_json};
pub use new_loan::{BorrowerId, CreateLoanRequest, Currency, NewLoan, TermMonths};
pub use status::LoanStatus;
