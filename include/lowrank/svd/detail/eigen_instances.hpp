#pragma once
/// \file svd/detail/eigen_instances.hpp  Eigen's dense decompositions that the solvers call on
/// Matrix<float> and Matrix<double>, compiled once into the library (see LOWRANK_EXTERN_TEMPLATE in
/// config.hpp) instead of in every translation unit that uses a solver. Not stable API.
#include <Eigen/Core>
#include <Eigen/QR>
#include <Eigen/SVD>

#include "lowrank/config.hpp"

LOWRANK_EXTERN_TEMPLATE(float, class Eigen::HouseholderQR<Eigen::MatrixXf>)
LOWRANK_EXTERN_TEMPLATE(double, class Eigen::HouseholderQR<Eigen::MatrixXd>)
LOWRANK_EXTERN_TEMPLATE(float, class Eigen::ColPivHouseholderQR<Eigen::MatrixXf>)
LOWRANK_EXTERN_TEMPLATE(double, class Eigen::ColPivHouseholderQR<Eigen::MatrixXd>)
LOWRANK_EXTERN_TEMPLATE(float, class Eigen::JacobiSVD<Eigen::MatrixXf>)
LOWRANK_EXTERN_TEMPLATE(double, class Eigen::JacobiSVD<Eigen::MatrixXd>)
LOWRANK_EXTERN_TEMPLATE(float, class Eigen::BDCSVD<Eigen::MatrixXf>)
LOWRANK_EXTERN_TEMPLATE(double, class Eigen::BDCSVD<Eigen::MatrixXd>)
