//! A system's Numeric ID range (TMS's "Numeric ID Base" and "Numeric ID Quantity"): the
//! indexes of the placeholder spaces, which are also their URI user parts and call IDs.

use std::fmt;

/// `base ..= base + quantity - 1`; never empty, never past `u64::MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NumericIdRange {
    first: u64,
    last: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("the Numeric ID Quantity must be at least 1")]
    Empty,
    #[error("the Numeric ID range {base} + {quantity} runs past the largest number")]
    Overflow { base: u64, quantity: u64 },
}

impl NumericIdRange {
    pub fn new(base: u64, quantity: u64) -> Result<NumericIdRange, RangeError> {
        let span = quantity.checked_sub(1).ok_or(RangeError::Empty)?;
        let last = base
            .checked_add(span)
            .ok_or(RangeError::Overflow { base, quantity })?;
        Ok(NumericIdRange { first: base, last })
    }

    pub fn first(&self) -> u64 {
        self.first
    }

    /// The last index, inclusive (CMS's `endIndex`).
    pub fn last(&self) -> u64 {
        self.last
    }

    pub fn quantity(&self) -> u64 {
        self.last - self.first + 1
    }

    pub fn contains(&self, index: u64) -> bool {
        (self.first..=self.last).contains(&index)
    }

    pub fn indexes(&self) -> impl Iterator<Item = u64> + use<> {
        self.first..=self.last
    }
}

impl fmt::Display for NumericIdRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_and_quantity() {
        let range = NumericIdRange::new(1, 5).unwrap();
        assert_eq!((range.first(), range.last(), range.quantity()), (1, 5, 5));
        assert_eq!(range.indexes().collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        assert!(range.contains(5) && !range.contains(6) && !range.contains(0));
        assert_eq!(range.to_string(), "1-5");
        assert_eq!(NumericIdRange::new(u64::MAX, 1).unwrap().quantity(), 1);
    }

    #[test]
    fn invalid_ranges_cannot_be_made() {
        assert_eq!(NumericIdRange::new(7, 0), Err(RangeError::Empty));
        assert_eq!(
            NumericIdRange::new(u64::MAX, 2),
            Err(RangeError::Overflow {
                base: u64::MAX,
                quantity: 2
            })
        );
    }
}
